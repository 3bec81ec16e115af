//! The help of the command and of each subcommand: on standard output, status 0, with examples.

use crate::support::run;

#[cfg(not(feature = "client"))]
const COMMANDS: &[&str] = &["parse", "fields", "summary", "validate", "generate"];
#[cfg(feature = "client")]
const COMMANDS: &[&str] = &["parse", "fields", "summary", "validate", "generate", "login", "fetch"];

#[test]
fn every_help_has_examples() {
    let mut helps = vec![vec!["--help"], vec!["help"]];
    for &command in COMMANDS {
        helps.push(vec![command, "--help"]);
        helps.push(vec!["help", command]);
    }
    for args in &helps {
        let out = run(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{args:?}");
        assert!(out.stdout.contains("Examples:"), "{args:?}: no examples in\n{}", out.stdout);
        assert!(out.stdout.contains("Exit status:"), "{args:?}: no exit status in\n{}", out.stdout);
    }
}

#[test]
fn the_top_level_help_shows_every_command_and_a_session() {
    let out = run(&["--help"]);
    for &command in COMMANDS {
        assert!(
            out.stdout.lines().any(|l| l.trim_start().starts_with(&format!("bluebutton {command} "))),
            "no example of `{command}` in\n{}",
            out.stdout
        );
    }
    let session = "  bluebutton generate --seed 1 --patients 1000 > bundle.json\n  \
                   bluebutton summary bundle.json\n  \
                   bluebutton validate bundle.json\n";
    assert!(out.stdout.contains(session), "no session in\n{}", out.stdout);
}

#[test]
fn each_command_help_shows_its_own_examples() {
    for &command in COMMANDS {
        let out = run(&[command, "--help"]);
        let examples = out.stdout.split("Examples:").nth(1).unwrap_or_default();
        assert!(examples.contains(&format!("bluebutton {command}")), "{command}: {examples}");
    }
}
