//! The `bluebutton` command. All the logic lives in the library ([`bluebutton_cli::run`]).
fn main() {
    let code = bluebutton_cli::run(
        std::env::args_os(),
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
