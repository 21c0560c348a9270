//! `cartbridge completions bash|zsh|fish`: the shell's completion script
//! for the commands and their options, printed for the user to install.

use std::ffi::OsString;

use super::Failure;

/// Every command with its options (kept next to the dispatch table's
/// names; a test checks each command answers `--help`).
pub const COMMANDS: &[(&str, &str)] = &[
    ("call", "--store --sql-policy --legacy --raw --help"),
    ("sign", "--legacy --key-file --url --curl --post --help"),
    (
        "request",
        "--legacy --key-file --post --raw --verbose -v --help",
    ),
    (
        "export",
        "--store --url --key-file --format --output --resume --page-size --max-pages --help",
    ),
    ("decode", "--private-key --help"),
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
        "verify --key --outcome --since --until --store --help",
    ),
    ("import-php-bridge", ""),
    ("completions", "bash zsh fish"),
];

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let shell = args.first().and_then(|s| s.to_str()).unwrap_or("");
    let script = match shell {
        "bash" => bash(),
        "zsh" => format!(
            "#compdef cartbridge\nautoload -U bashcompinit && bashcompinit\n{}",
            bash()
        ),
        "fish" => fish(),
        "-h" | "--help" => {
            print!("{HELP}");
            return Ok(0);
        }
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

const HELP: &str = "\
cartbridge completions — tab completion for your shell

USAGE:
    cartbridge completions bash|zsh|fish

EXAMPLES:
    cartbridge completions bash > ~/.local/share/bash-completion/completions/cartbridge
    cartbridge completions zsh > \"${fpath[1]}/_cartbridge\"
    cartbridge completions fish > ~/.config/fish/completions/cartbridge.fish
";

fn bash() -> String {
    let names: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
    let mut cases = String::new();
    for (name, options) in COMMANDS {
        cases.push_str(&format!("        {name}) words=\"{options}\" ;;\n"));
    }
    format!(
        "_cartbridge() {{\n    local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" words\n    if [ \"$COMP_CWORD\" -eq 1 ]; then\n        COMPREPLY=($(compgen -W \"{} --help --version\" -- \"$cur\"))\n        return\n    fi\n    case \"${{COMP_WORDS[1]}}\" in\n{cases}        *) words=\"\" ;;\n    esac\n    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n    [ ${{#COMPREPLY[@]}} -eq 0 ] && COMPREPLY=($(compgen -f -- \"$cur\"))\n}}\ncomplete -F _cartbridge cartbridge\n",
        names.join(" ")
    )
}

fn fish() -> String {
    let mut script = String::from("complete -c cartbridge -f\n");
    for (name, options) in COMMANDS {
        script.push_str(&format!(
            "complete -c cartbridge -n __fish_use_subcommand -a {name}\n"
        ));
        for option in options.split_whitespace() {
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
