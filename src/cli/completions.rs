//! `cartbridge completions bash|zsh|fish`: the shell's completion script
//! for the commands and their options, printed for the user to install.

use std::ffi::OsString;

use super::Failure;

/// Every command with its options (`--help` is added to each; the
/// description is the first line of the command's help).
pub const COMMANDS: &[(&str, &str)] = &[
    ("call", "--store --sql-policy --legacy --raw"),
    ("sign", "--legacy --key-file --url --curl --post"),
    (
        "request",
        "--legacy --key-file --post --raw --verbose -v",
    ),
    (
        "export",
        "--store --url --key-file --format --output --resume --page-size --max-pages",
    ),
    ("decode", "--private-key"),
    ("demo", "--dir --listen --curl"),
    ("serve", "--store --listen"),
    ("fastcgi", "--listen --store"),
    ("install", "--store --server --url"),
    ("doctor", "--store --url"),
    ("uninstall", "--store"),
    (
        "key",
        "add set list disable enable delete rotate import-legacy help --store",
    ),
    (
        "log",
        "verify --key --outcome --since --until --store",
    ),
    (
        "deploy",
        "--password-file --password-env --url --replace --import-legacy --rollback --ca-file --binary --no-rules",
    ),
    ("undeploy", "--password-file --password-env"),
    ("import-php-bridge", ""),
    ("completions", "bash zsh fish"),
];

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let shell = args.first().and_then(|s| s.to_str()).unwrap_or("");
    let script = match shell {
        "bash" => bash(),
        "zsh" => zsh(),
        "fish" => fish(),
        _ => {
            return Err((
                2,
                format!(
                    "completions for which shell? `cartbridge completions bash|zsh|fish`\n\n{HELP}"
                ),
            ))
        }
    };
    print!("{script}");
    Ok(0)
}

pub(super) const HELP: &str = "\
cartbridge completions — tab completion for your shell

USAGE:
    cartbridge completions bash|zsh|fish

EXAMPLES:
    cartbridge completions bash > ~/.local/share/bash-completion/completions/cartbridge
    cartbridge completions zsh > \"${fpath[1]}/_cartbridge\"
    cartbridge completions fish > ~/.config/fish/completions/cartbridge.fish

EXIT STATUS: 0 printed, 2 no such shell.
";

fn bash() -> String {
    let names: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
    let mut cases = String::new();
    for (name, options) in COMMANDS {
        cases.push_str(&format!("        {name}) words=\"{options} --help\" ;;\n"));
    }
    format!(
        "_cartbridge() {{\n    local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" words\n    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        COMPREPLY=($(compgen -W \"{} --help --version\" -- \"$cur\"))\n        return\n    fi\n    case \"${{COMP_WORDS[1]}}\" in\n{cases}        *) words=\"\" ;;\n    esac\n    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n    [ ${{#COMPREPLY[@]}} -eq 0 ] && COMPREPLY=($(compgen -f -- \"$cur\"))\n}}\ncomplete -F _cartbridge cartbridge\n",
        names.join(" ")
    )
}

/// What a command does, from the first line of its help
/// (`cartbridge call — run a native method ...`).
fn description(command: &str) -> String {
    super::help::of(command)
        .and_then(|help| help.lines().next())
        .and_then(|line| line.split_once(" — ").map(|(_, what)| what))
        .unwrap_or("")
        .replace('\'', "")
}

/// A native zsh completion (`_describe` for commands with their
/// descriptions, then the command's options or file names).
fn zsh() -> String {
    let mut described = String::new();
    let mut cases = String::new();
    for (name, options) in COMMANDS {
        described.push_str(&format!("        '{name}:{}'\n", description(name)));
        cases.push_str(&format!("        {name}) options=({options} --help) ;;\n"));
    }
    format!(
        "#compdef cartbridge\n_cartbridge() {{\n    local -a commands options\n    commands=(\n{described}    )\n    if (( CURRENT == 2 )); then\n        _describe -t commands 'cartbridge command' commands\n        compadd -- --help --version\n        return\n    fi\n    case ${{words[2]}} in\n{cases}    esac\n    _alternative \"options:option:($options)\" 'files:file:_files'\n}}\n_cartbridge \"$@\"\n"
    )
}

fn fish() -> String {
    let mut script = String::from("complete -c cartbridge -f\n");
    for (name, options) in COMMANDS {
        script.push_str(&format!(
            "complete -c cartbridge -n __fish_use_subcommand -a {name} -d '{}'\n",
            description(name)
        ));
        for option in options.split_whitespace().chain(["--help"]) {
            let flag = match option.strip_prefix("--") {
                Some(long) => format!("-l {long}"),
                None => match option.strip_prefix('-') {
                    Some(short) => format!("-s {short}"),
                    None => format!("-a {option}"),
                },
            };
            script.push_str(&format!(
                "complete -c cartbridge -n '__fish_seen_subcommand_from {name}' {flag}\n"
            ));
        }
    }
    script
}
