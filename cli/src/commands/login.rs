//! `bluebutton login`: signs in through the browser with OAuth 2.0 and PKCE, and writes the
//! token file.
use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bluebutton_client::{blocking, Config, Error, FileTokenStore};
use clap::Args;

use crate::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};

/// How long the callback is waited for.
const CALLBACK_WAIT: Duration = Duration::from_secs(600);

const AFTER_HELP: &str = "\
Prints the authorize URL as the first line of standard output (and opens it in a browser unless
--no-browser), listens on the redirect URI's port for the callback, checks its state, exchanges
the code with the PKCE verifier, writes the token response with its absolute expiry
(`expires_at`, seconds since 1970) to the token file (mode 0600), and prints the patient id.
A redirect URI on port 0 listens on a free port, which the authorize URL then names.

Examples:
  bluebutton login --base https://sandbox.bluebutton.cms.gov --client-id ID --client-secret S
  bluebutton login --base URL --client-id ID --redirect-uri http://127.0.0.1:0/callback --no-browser

Exit status: 0 when signed in, 1 when the sign-in failed (wrong state, an error callback, a
refused exchange), 2 on usage or I/O errors.";

/// Sign in to the Blue Button API and save the tokens.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct LoginArgs {
    /// The API server, without a path (`https://sandbox.bluebutton.cms.gov`).
    #[arg(long, value_name = "URL")]
    pub base: String,

    /// The application's client id.
    #[arg(long, value_name = "ID")]
    pub client_id: String,

    /// The application's client secret (HTTP Basic at the token endpoint).
    #[arg(long, value_name = "S")]
    pub client_secret: Option<String>,

    /// The registered redirect URI: http://127.0.0.1:PORT/PATH (or localhost).
    #[arg(long, value_name = "URI", default_value = "http://127.0.0.1:8765/callback")]
    pub redirect_uri: String,

    /// Where to write the tokens.
    #[arg(long, value_name = "FILE", default_value = "bluebutton-token.json")]
    pub token_file: OsString,

    /// Do not open a browser; only print the URL.
    #[arg(long)]
    pub no_browser: bool,
}

/// `http://HOST:PORT/PATH` split, for a loopback host.
fn split_redirect(uri: &str) -> Option<(&str, u16, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (host, port) = authority.rsplit_once(':')?;
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return None;
    }
    Some((host, port.parse().ok()?, path))
}

/// Runs `login` and returns the exit status. `Err` only when writing standard output fails.
pub fn run(args: &LoginArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    let Some((host, port, path)) = split_redirect(&args.redirect_uri) else {
        writeln!(
            stderr,
            "error: --redirect-uri `{}`: expected http://127.0.0.1:PORT/PATH (or localhost)",
            args.redirect_uri
        )?;
        return Ok(EXIT_USAGE);
    };
    let bind_host = if host == "[::1]" { "::1" } else { host };
    let listener = match TcpListener::bind((bind_host, port)) {
        Ok(l) => l,
        Err(e) => {
            writeln!(stderr, "error: cannot listen on {host}:{port} for the callback: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let port = listener.local_addr()?.port();
    let redirect_uri = format!("http://{host}:{port}/{path}");
    let mut config = Config::new(&args.base, &args.client_id).redirect_uri(&redirect_uri);
    config.client_secret.clone_from(&args.client_secret);
    let store = FileTokenStore::new(PathBuf::from(&args.token_file));
    let client = match blocking::Client::new(config) {
        Ok(c) => c,
        Err(e) => {
            writeln!(stderr, "error: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let authorization = match client.authorize_url() {
        Ok(a) => a,
        Err(e) => {
            writeln!(stderr, "error: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    writeln!(stdout, "{}", authorization.url)?;
    stdout.flush()?;
    if !args.no_browser {
        open_browser(&authorization.url);
    }
    writeln!(stderr, "waiting for the sign-in callback on {redirect_uri}")?;
    let callback = match wait_for_callback(&listener, &format!("/{path}")) {
        Ok(pairs) => pairs,
        Err(e) => {
            writeln!(stderr, "error: no callback: {e}")?;
            return Ok(EXIT_INVALID);
        }
    };
    let (mut stream, pairs) = callback;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let outcome = if let Some(error) = get("error") {
        Err(Error::Authorization { error: error.to_owned(), description: get("error_description").map(str::to_owned) })
    } else if let Some(code) = get("code") {
        client.exchange_code(code, get("state").unwrap_or_default())
    } else {
        Err(Error::Config("the callback has neither code nor error".into()))
    };
    let (status, page) = match &outcome {
        Ok(_) => ("200 OK", "Signed in to Blue Button. You can close this window."),
        Err(_) => ("400 Bad Request", "Sign-in failed; the command line says why. You can close this window."),
    };
    respond(&mut stream, status, page);
    let token = match outcome {
        Ok(token) => token,
        Err(e) => {
            writeln!(stderr, "error: sign-in failed: {e}")?;
            return Ok(EXIT_INVALID);
        }
    };
    if let Err(e) = bluebutton_client::TokenStore::save(&store, &token) {
        writeln!(stderr, "error: {}: {e}", store.path().display())?;
        return Ok(EXIT_USAGE);
    }
    writeln!(stdout, "{}", token.patient().unwrap_or_default())?;
    writeln!(stderr, "signed in; tokens written to {}", store.path().display())?;
    Ok(EXIT_OK)
}

fn open_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    // Without a browser the printed URL is still there to open by hand.
    let _ = std::process::Command::new(command.0)
        .args(command.1)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// Accepts connections until a `GET` of `path` comes; answers others with `404`.
fn wait_for_callback(listener: &TcpListener, path: &str) -> io::Result<(TcpStream, Vec<(String, String)>)> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + CALLBACK_WAIT;
    loop {
        let mut stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "none within 10 minutes"));
                }
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            Err(e) => return Err(e),
        };
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut line = String::new();
        if BufReader::new(&stream).read_line(&mut line).is_err() {
            continue;
        }
        let target = line.split(' ').nth(1).unwrap_or_default();
        let (target_path, query) = target.split_once('?').unwrap_or((target, ""));
        if !line.starts_with("GET ") || target_path != path {
            respond(&mut stream, "404 Not Found", "Not the sign-in callback.");
            continue;
        }
        let pairs = form_urlencoded_pairs(query);
        return Ok((stream, pairs));
    }
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!("<!doctype html><title>bluebutton login</title><p>{text}</p>\n");
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // The browser's page is a courtesy; the outcome is on the command line.
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_and_queries() {
        assert_eq!(split_redirect("http://127.0.0.1:8765/callback"), Some(("127.0.0.1", 8765, "callback")));
        assert_eq!(split_redirect("http://localhost:0/cb/x"), Some(("localhost", 0, "cb/x")));
        assert_eq!(split_redirect("https://127.0.0.1:8765/callback"), None);
        assert_eq!(split_redirect("http://example.org:80/callback"), None);
        assert_eq!(split_redirect("http://127.0.0.1/callback"), None);
        assert_eq!(
            form_urlencoded_pairs("code=a%2Fb+c&state=x%7E&bad=%zz&end=%4&%C3%A9=%E2"),
            [("code", "a/b c"), ("state", "x~"), ("bad", "%zz"), ("end", "%4"), ("é", "\u{FFFD}")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }
}
