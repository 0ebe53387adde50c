//! The server's command line in Vietnamese (or English with `--lang en`): clap's own texts (the
//! help and version flags, the headings of the help, its error messages) replaced by ours.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};
use doithoai_model::Lang;

/// Parses the command line; on a parse error or `--help`/`--version`, prints what clap would in
/// the user's language and returns the exit code to end with.
pub fn parse<T: CommandFactory + FromArgMatches>(
    args: impl IntoIterator<Item = OsString>,
) -> Result<T, ExitCode> {
    let args: Vec<OsString> = args.into_iter().collect();
    let lang = lang_of(&args);
    let result = localized(T::command(), lang)
        .try_get_matches_from(&args)
        .and_then(|m| T::from_arg_matches(&m));
    result.map_err(|e| {
        match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                print!(
                    "{}",
                    e.to_string()
                        .replace("[OPTIONS]", lang.pick("[TÙY_CHỌN]", "[OPTIONS]"))
                );
            }
            _ => eprintln!("{}", message(&e, lang)),
        }
        ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
    })
}

/// The language asked for before clap has parsed anything: `--lang X`, `--lang=X`, then
/// `DOITHOAI_LANG`, then Vietnamese.
pub fn lang_of(args: &[OsString]) -> Lang {
    let mut it = args.iter().filter_map(|a| a.to_str());
    let mut asked = None;
    while let Some(a) = it.next() {
        if a == "--lang" {
            asked = it.next().map(str::to_owned);
        } else if let Some(v) = a.strip_prefix("--lang=") {
            asked = Some(v.to_owned());
        }
    }
    asked
        .or_else(|| std::env::var("DOITHOAI_LANG").ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(Lang::Vi)
}

/// `cmd` and all its subcommands with help and version flags described in `lang`, headings in
/// `lang`, and no English `help` subcommand.
pub fn localized(cmd: Command, lang: Lang) -> Command {
    let root_has_version = cmd.get_version().is_some();
    let cmd = localize_one(cmd, lang, root_has_version);
    cmd.mut_subcommands(move |sub| localized_sub(sub, lang))
}

fn localized_sub(cmd: Command, lang: Lang) -> Command {
    localize_one(cmd, lang, false).mut_subcommands(move |sub| localized_sub(sub, lang))
}

fn localize_one(cmd: Command, lang: Lang, with_version: bool) -> Command {
    let (usage, commands, options, arguments) = match lang {
        Lang::Vi => ("Cách dùng", "Lệnh", "Tùy chọn", "Tham số"),
        Lang::En => ("Usage", "Commands", "Options", "Arguments"),
    };
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{usage}: {{usage}}\n\n{{all-args}}{{after-help}}"
    );
    let mut cmd = cmd
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .help_template(template)
        .subcommand_help_heading(commands)
        .subcommand_value_name(lang.pick("LỆNH", "COMMAND"))
        .mut_args(move |a| {
            // clap's "[default: …]" and "[env: …]" are English: said in the description instead.
            let mut notes = Vec::new();
            let defaults: Vec<String> = a
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            if !defaults.is_empty() && !a.is_hide_default_value_set() {
                notes.push(format!(
                    "{}: {}",
                    lang.pick("mặc định", "default"),
                    defaults.join(", ")
                ));
            }
            if let Some(env) = a.get_env()
                && !a.is_hide_env_set()
            {
                notes.push(format!(
                    "{} {}",
                    lang.pick("biến môi trường", "environment variable"),
                    env.to_string_lossy()
                ));
            }
            let a = if notes.is_empty() {
                a
            } else {
                let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
                let help = format!("{} ({})", help.trim_end_matches('.'), notes.join("; "));
                a.hide_default_value(true).hide_env(true).help(help)
            };
            // clap names a value after its flag in English capitals (<NAME>): name it here.
            let derived = a
                .get_value_names()
                .is_some_and(|v| v.len() == 1 && v[0] == a.get_id().as_str().to_uppercase());
            let a = match (derived && !a.is_positional(), a.get_id().as_str()) {
                (true, "id") => a.value_name(lang.pick("MÃ", "ID")),
                (true, "name") => a.value_name(lang.pick("TÊN", "NAME")),
                (true, "ward") => a.value_name(lang.pick("MÃ_PHƯỜNG", "WARD")),
                (true, "point") => a.value_name(lang.pick("MÃ_ĐIỂM", "POINT")),
                (true, "kind") => a.value_name("tdp|org|office"),
                (true, "role") => a.value_name("office|collector|monitor"),
                _ => a,
            };
            if a.get_help_heading().is_some() {
                a
            } else if a.is_positional() {
                a.help_heading(arguments)
            } else {
                a.help_heading(options)
            }
        })
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help(lang.pick("In hướng dẫn này", "Print this help"))
                .help_heading(options),
        );
    if with_version {
        cmd = cmd.arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(lang.pick("In số phiên bản", "Print the version"))
                .help_heading(options),
        );
    }
    cmd
}

fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// clap's error `e` told in `lang`, with what to do next.
pub fn message(e: &clap::Error, lang: Lang) -> String {
    let arg = context(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(e, ContextKind::InvalidValue).unwrap_or_default();
    let vi = lang == Lang::Vi;
    let mut out = match e.kind() {
        ErrorKind::InvalidValue | ErrorKind::ValueValidation if value.is_empty() => {
            if vi {
                format!("Thiếu giá trị cho {arg}.")
            } else {
                format!("A value is required for {arg}.")
            }
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            if vi {
                format!("Giá trị «{value}» không hợp lệ cho {arg}.")
            } else {
                format!("Invalid value {value:?} for {arg}.")
            }
        }
        ErrorKind::UnknownArgument => {
            if vi {
                format!("Không có tùy chọn «{arg}».")
            } else {
                format!("There is no option {arg:?}.")
            }
        }
        ErrorKind::InvalidSubcommand => {
            let sub = context(e, ContextKind::InvalidSubcommand).unwrap_or_default();
            if vi {
                format!("Không có lệnh «{sub}».")
            } else {
                format!("There is no command {sub:?}.")
            }
        }
        ErrorKind::MissingRequiredArgument => {
            if vi {
                format!("Thiếu tham số bắt buộc: {arg}.")
            } else {
                format!("Missing required argument: {arg}.")
            }
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            lang.pick("Thiếu lệnh.", "A command is missing.").to_owned()
        }
        ErrorKind::ArgumentConflict => {
            let other = context(e, ContextKind::PriorArg).unwrap_or_default();
            if other == arg {
                if vi {
                    format!("Tùy chọn {arg} chỉ được nêu một lần.")
                } else {
                    format!("{arg} may be given only once.")
                }
            } else if vi {
                format!("Không dùng được {arg} cùng với {other}.")
            } else {
                format!("{arg} cannot be used with {other}.")
            }
        }
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            if vi {
                format!("Số giá trị cho {arg} không đúng.")
            } else {
                format!("Wrong number of values for {arg}.")
            }
        }
        ErrorKind::InvalidUtf8 => lang
            .pick(
                "Tham số có ký tự không phải UTF-8.",
                "An argument is not valid UTF-8.",
            )
            .to_owned(),
        _ => lang
            .pick("Lệnh không hợp lệ.", "Invalid command line.")
            .to_owned(),
    };
    if let Some(valid) = context(e, ContextKind::ValidValue) {
        out.push_str(&if vi {
            format!(" Giá trị hợp lệ: {valid}.")
        } else {
            format!(" Valid values: {valid}.")
        });
    }
    let suggested = context(e, ContextKind::SuggestedArg)
        .or_else(|| context(e, ContextKind::SuggestedSubcommand));
    if let Some(s) = suggested {
        out.push_str(&if vi {
            format!(" Có phải ý bạn là «{s}»?")
        } else {
            format!(" Did you mean {s:?}?")
        });
    }
    let error = lang.pick("Lỗi", "Error");
    let see = lang.pick("Xem hướng dẫn", "See the help");
    format!("{error}: {out}\n{see}: doithoai-server --help")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn err(args: &[&str]) -> clap::Error {
        localized(crate::Cli::command(), Lang::Vi)
            .try_get_matches_from(os(args))
            .expect_err("parse error")
    }

    #[test]
    fn help_is_vietnamese_and_every_flag_and_command_is_described() {
        fn walk(cmd: &mut Command, path: &str) {
            let help = cmd.render_long_help().to_string();
            for english in [
                "Print help",
                "Print version",
                "Usage:",
                "Options:",
                "Commands:",
                "[default:",
                "[env:",
            ] {
                assert!(!help.contains(english), "{path}: {english:?} in\n{help}");
            }
            assert!(help.contains("Cách dùng: "), "{path}:\n{help}");
            for a in cmd.get_arguments() {
                assert!(
                    a.get_help().is_some(),
                    "{path}: {} has no description",
                    a.get_id()
                );
            }
            let leaf = cmd.get_subcommands().next().is_none();
            if leaf || path == "doithoai-server" {
                assert!(help.contains("Ví dụ:"), "{path} has no example:\n{help}");
            }
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|s| s.get_name().to_owned())
                .collect();
            for n in names {
                let sub = cmd.find_subcommand_mut(&n).expect("subcommand");
                assert!(sub.get_about().is_some(), "{path} {n} has no description");
                walk(sub, &format!("{path} {n}"));
            }
        }
        let mut cmd = localized(crate::Cli::command(), Lang::Vi);
        cmd.build();
        walk(&mut cmd, "doithoai-server");
    }

    #[test]
    fn clap_errors_are_told_in_vietnamese() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["doithoai-server", "--listen", "khong-phai-dia-chi"],
                "Giá trị «khong-phai-dia-chi» không hợp lệ cho --listen",
            ),
            (
                &["doithoai-server", "device", "list", "--jsn"],
                "Không có tùy chọn «--jsn». Có phải ý bạn là «--json»?",
            ),
            (
                &["doithoai-server", "bakup", "x"],
                "Không có lệnh «bakup». Có phải ý bạn là «backup»?",
            ),
            (
                &["doithoai-server", "ward", "create", "--id", "x"],
                "Thiếu tham số bắt buộc: --name",
            ),
            (&["doithoai-server", "restore"], "Thiếu tham số bắt buộc"),
            (
                &[
                    "doithoai-server",
                    "ward",
                    "create",
                    "--id",
                    "a",
                    "--name",
                    "b",
                    "--name",
                    "c",
                ],
                "Tùy chọn --name <TÊN> chỉ được nêu một lần",
            ),
        ];
        for (args, want) in cases {
            let text = message(&err(args), Lang::Vi);
            assert!(text.contains(want), "{args:?}: {text}");
            for english in ["error:", "invalid value", "unexpected argument", "Usage"] {
                assert!(!text.contains(english), "{args:?}: {text}");
            }
        }
        let text = message(&err(&["doithoai-server", "--lang", "fr"]), Lang::En);
        assert!(
            text.starts_with("Error: Invalid value \"fr\" for --lang"),
            "{text}"
        );
    }

    #[test]
    fn the_language_is_found_before_parsing() {
        assert_eq!(lang_of(&os(&["x", "--lang", "en", "bakup"])), Lang::En);
        assert_eq!(lang_of(&os(&["x", "--lang=en"])), Lang::En);
    }
}
