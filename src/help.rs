//! The command line's help in the user's language: English from `cli.rs`, Japanese from `templates/help-ja.toml`.

use std::collections::BTreeMap;

use clap::{Arg, ArgAction, Command, CommandFactory};
use serde::Deserialize;

use crate::cli::Cli;
use crate::lang::Lang;

const JA: &str = include_str!("../templates/help-ja.toml");

/// The catalogue's key for the top-level command.
const ROOT: &str = "recovery-sheet";

/// One command's texts: its description, what follows the options, and a
/// line per argument (by clap id).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Texts {
    about: Option<String>,
    long_about: Option<String>,
    after_help: Option<String>,
    #[serde(default)]
    args: BTreeMap<String, String>,
}

/// Command path (`generate`, `config show`; the top level is `recovery-sheet`) -> texts.
type Catalogue = BTreeMap<String, Texts>;

fn catalogue(text: &str) -> Catalogue {
    // Checked by a unit test against every command and argument; a broken
    // file is a build bug.
    toml::from_str(text).unwrap_or_else(|e| panic!("templates/help-ja.toml is broken: {e}"))
}

/// The clap command with its help in `lang`.
pub fn command(lang: Lang) -> Command {
    match lang {
        Lang::En => Cli::command(),
        Lang::Ja => translate(Cli::command(), ROOT, &catalogue(JA), &Headings::JA),
    }
}

/// Section headings; clap's own are English only.
struct Headings {
    usage: &'static str,
    commands: &'static str,
    arguments: &'static str,
    options: &'static str,
}

impl Headings {
    const JA: Headings = Headings {
        usage: "使い方",
        commands: "コマンド",
        arguments: "引数",
        options: "オプション",
    };
}

/// Applies the texts of `path` (the top level is the binary's name, a
/// subcommand its name, a nested one `config show`) and of every subcommand.
fn translate(cmd: Command, path: &str, catalogue: &Catalogue, headings: &Headings) -> Command {
    let root = path == ROOT;
    let mut cmd = apply(cmd, catalogue.get(path), headings, root);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = if root {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |sub| translate(sub, &sub_path, catalogue, headings));
    }
    cmd
}

fn apply(mut cmd: Command, texts: Option<&Texts>, headings: &Headings, root: bool) -> Command {
    let Some(texts) = texts else { return cmd };
    if let Some(about) = &texts.about {
        cmd = cmd.about(about.clone());
        // Without a long text of its own, `--help` shows the short one.
        cmd = match &texts.long_about {
            Some(long) => cmd.long_about(long.clone()),
            None => cmd.long_about(clap::builder::Resettable::Reset),
        };
    }
    if let Some(after) = &texts.after_help {
        cmd = cmd.after_help(after.clone()).after_long_help(after.clone());
    }
    // clap adds -h/--help and -V/--version with English text; ours take
    // their place (help is global, so subcommands get it from the top).
    cmd = cmd.disable_help_flag(true);
    if root {
        cmd = cmd
            .disable_version_flag(true)
            .arg(
                Arg::new("help")
                    .short('h')
                    .long("help")
                    .action(ArgAction::Help)
                    .global(true),
            )
            .arg(
                Arg::new("version")
                    .short('V')
                    .long("version")
                    .action(ArgAction::Version),
            );
    }
    for (id, help) in &texts.args {
        cmd = cmd.mut_arg(id.as_str(), |arg| {
            let arg = arg
                .help(help.clone())
                .long_help(clap::builder::Resettable::Reset);
            // Choices are named in the translated text.
            if arg.get_action().takes_values() {
                arg.hide_possible_values(true)
            } else {
                arg
            }
        });
    }
    let mut template = format!(
        "{{before-help}}{{about-with-newline}}\n{}: {{usage}}\n",
        headings.usage
    );
    if cmd.has_subcommands() {
        template.push_str(&format!("\n{}:\n{{subcommands}}\n", headings.commands));
    }
    if cmd.get_positionals().next().is_some() {
        template.push_str(&format!("\n{}:\n{{positionals}}\n", headings.arguments));
    }
    template.push_str(&format!(
        "\n{}:\n{{options}}{{after-help}}",
        headings.options
    ));
    cmd.help_template(template)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and argument of the English command line has a Japanese
    /// text, and the file names nothing the command line does not have.
    #[test]
    fn the_japanese_help_covers_every_command_and_argument() {
        let catalogue = catalogue(JA);
        let english = Cli::command();
        let mut paths: Vec<(String, &Command)> = vec![(ROOT.into(), &english)];
        for sub in english.get_subcommands() {
            paths.push((sub.get_name().to_owned(), sub));
            for inner in sub.get_subcommands() {
                paths.push((format!("{} {}", sub.get_name(), inner.get_name()), inner));
            }
        }
        let mut expected: Vec<String> = Vec::new();
        for (path, cmd) in &paths {
            let texts = catalogue
                .get(path)
                .unwrap_or_else(|| panic!("help-ja.toml has no [{path}]"));
            assert!(texts.about.is_some(), "[{path}] has no about");
            assert_eq!(
                texts.after_help.is_some(),
                cmd.get_after_help().is_some(),
                "[{path}] after_help"
            );
            expected.push(path.clone());
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                // Global arguments are translated once, at the top.
                if arg.is_global_set() && path != ROOT {
                    continue;
                }
                assert!(
                    texts.args.contains_key(id),
                    "help-ja.toml [{path}.args] has no `{id}`"
                );
            }
            for id in texts.args.keys() {
                let known = matches!(id.as_str(), "help" | "version")
                    || cmd.get_arguments().any(|a| a.get_id().as_str() == id);
                assert!(known, "help-ja.toml [{path}.args] names unknown `{id}`");
            }
        }
        let mut found: Vec<String> = catalogue.keys().cloned().collect();
        expected.sort();
        found.sort();
        assert_eq!(found, expected);
    }

    #[test]
    fn the_japanese_command_line_parses_like_the_english_one() {
        let ja = command(Lang::Ja);
        ja.clone().debug_assert();
        let args = ["recovery-sheet", "-q", "generate", "--account", "a@b.c"];
        let m = ja.try_get_matches_from(args).unwrap();
        assert!(m.get_flag("quiet"));
        let help = command(Lang::Ja)
            .try_get_matches_from(["recovery-sheet", "generate", "--help"])
            .unwrap_err()
            .to_string();
        assert!(help.contains("使い方: recovery-sheet generate"), "{help}");
        assert!(help.contains("コードで入るアカウント"), "{help}");
        assert!(help.contains("ヘルプを表示します"), "{help}");
    }
}
