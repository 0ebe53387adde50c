//! clap's own words in the user's language, for both binaries.
//!
//! `doithoai` and `doithoai-server` describe their commands and flags in Vietnamese doc comments,
//! but clap adds words of its own around them: "Usage:", "Options:", "Commands:", "[default: …]",
//! "Print help", and its errors ("error: unexpected argument …", "invalid value …"). A ward clerk
//! reading Vietnamese should not meet those. This crate gives them in the user's language:
//! [`localize`] rewrites a command tree's headings and built-in flags, [`render_error`] renders a
//! parse error, and [`parse`] does both for a binary's `main` (the language comes from `--lang`
//! or the binary's environment variable, read before clap parses anything).
//!
//! It holds no logic of either program: only the words of the command-line parser.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};
use doithoai_model::Lang;

/// The language named by `--lang X` or `--lang=X` among `args`, if any (before a `--`).
pub fn lang_from_args(args: &[OsString]) -> Option<Lang> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--lang" {
            return it.next().and_then(|v| v.to_string_lossy().parse().ok());
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return v.parse().ok();
        }
    }
    None
}

/// The language of this run: `--lang`, else the environment variable `env_var`, else Vietnamese.
pub fn lang_of(args: &[OsString], env_var: &str) -> Lang {
    lang_from_args(args)
        .or_else(|| std::env::var(env_var).ok().and_then(|v| v.parse().ok()))
        .unwrap_or_default()
}

/// `cmd` with clap's headings, built-in flags and value notes in `lang`, through every subcommand.
pub fn localize(cmd: Command, lang: Lang) -> Command {
    if lang == Lang::En {
        return cmd;
    }
    localize_vi(cmd, true)
}

fn localize_vi(cmd: Command, root: bool) -> Command {
    let has_version = root && cmd.get_version().is_some();
    let mut cmd = cmd
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .help_template(
            "{before-help}{about-with-newline}\nCách dùng: {usage}\n\n{all-args}{after-help}",
        )
        .subcommand_help_heading("Lệnh")
        .subcommand_value_name("LỆNH")
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("In hướng dẫn (-h: tóm tắt, --help: đầy đủ)"),
        );
    if has_version {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("In phiên bản"),
        );
    }
    cmd = cmd.mut_args(localize_arg);
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |s| localize_vi(s, false));
    }
    cmd
}

fn localize_arg(arg: Arg) -> Arg {
    let mut notes = Vec::new();
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
        .collect();
    let takes_value = arg.get_action().takes_values();
    let mut arg = arg;
    if takes_value && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        notes.push(format!("mặc định: {}", defaults.join(", ")));
    }
    if takes_value {
        arg = arg.hide_default_value(true);
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| p.get_name().to_owned())
        .collect();
    if takes_value
        && !values.is_empty()
        && !arg.is_hide_possible_values_set()
        && !matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse)
    {
        notes.push(format!("giá trị: {}", values.join(", ")));
    }
    if takes_value {
        arg = arg.hide_possible_values(true);
    }
    if let Some(env) = arg.get_env() {
        if !arg.is_hide_env_set() {
            notes.push(format!("biến môi trường: {}", env.to_string_lossy()));
        }
        arg = arg.hide_env(true);
    }
    if !notes.is_empty() {
        let note = format!(" [{}]", notes.join("; "));
        if let Some(help) = arg.get_help().map(|h| h.to_string()) {
            arg = arg.help(format!("{help}{note}"));
        }
        if let Some(long) = arg.get_long_help().map(|h| h.to_string()) {
            arg = arg.long_help(format!("{long}{note}"));
        }
    }
    // clap names a value after its flag in English capitals (<NAME>): name it in Vietnamese.
    let derived = arg
        .get_value_names()
        .is_none_or(|v| v.len() == 1 && v[0] == arg.get_id().as_str().to_uppercase());
    if takes_value
        && derived
        && let Some(name) = vi_value_name(arg.get_id().as_str())
    {
        arg = arg.value_name(name);
    }
    if arg.get_help_heading().is_none() {
        let heading = if arg.is_positional() {
            "Tham số"
        } else if arg.is_global_set() {
            "Tùy chọn chung"
        } else {
            "Tùy chọn"
        };
        arg = arg.help_heading(heading);
    }
    arg
}

/// The standard library's parse errors, which value parsers of numbers pass on, in Vietnamese;
/// the project's own parsers already speak Vietnamese.
fn vi_source(text: &str) -> String {
    match text {
        "invalid digit found in string" => "phải là một số (chỉ gồm chữ số)".into(),
        "cannot parse integer from empty string" => "chưa nhập số".into(),
        "number too large to fit in target type" => "số quá lớn".into(),
        "number too small to fit in target type" => "số quá nhỏ".into(),
        "invalid float literal" => "phải là một số".into(),
        "provided string was not `true` or `false`" => "phải là true hoặc false".into(),
        other => other.into(),
    }
}

/// Vietnamese names for the values of the flags both binaries use most.
fn vi_value_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "id" => "MÃ",
        "name" | "names" => "TÊN",
        "ward" => "MÃ_PHƯỜNG",
        "point" => "MÃ_ĐIỂM",
        "role" => "VAI_TRÒ",
        "kind" => "LOẠI",
        "data_dir" => "THƯ_MỤC",
        "lang" => "NGÔN_NGỮ",
        "file" | "output" => "TỆP",
        "url" => "ĐỊA_CHỈ",
        "code" => "MÃ_ĐĂNG_KÝ",
        "date" | "from" | "to" | "deadline" => "NGÀY",
        "year" => "NĂM",
        "month" => "THÁNG",
        "quarter" => "QUÝ",
        "text" | "content" => "NỘI_DUNG",
        "field" => "LĨNH_VỰC",
        "status" => "TRẠNG_THÁI",
        "department" => "BỘ_PHẬN",
        "reason" => "LÝ_DO",
        "note" => "GHI_CHÚ",
        "format" => "ĐỊNH_DẠNG",
        "limit" => "SỐ",
        "people" => "SỐ_NGƯỜI",
        "phone" | "phones" => "SỐ_ĐIỆN_THOẠI",
        "address" | "addresses" => "ĐỊA_CHỈ",
        "place" => "NƠI",
        "at" | "start" | "end" => "GIỜ",
        _ => return None,
    })
}

/// What is missing from or English in the help of `cmd` and each of its subcommands, already
/// [`localize`]d in Vietnamese: an argument or a command without a description, a command that
/// runs something without an example ("Ví dụ:"), and clap's English words. Empty when all is
/// well; a test of each binary asserts that.
pub fn help_problems(cmd: Command) -> Vec<String> {
    fn walk(cmd: &mut Command, path: &str, out: &mut Vec<String>) {
        let help = plain(&cmd.render_long_help().to_string());
        for english in [
            "Print help",
            "Print version",
            "Usage:",
            "Options:",
            "Commands:",
            "Arguments:",
            "[default:",
            "[env:",
            "[possible values",
        ] {
            if help.contains(english) {
                out.push(format!("{path}: {english:?} in its help"));
            }
        }
        for a in cmd.get_arguments() {
            if a.get_help().is_none() && a.get_long_help().is_none() {
                out.push(format!("{path}: --{} has no description", a.get_id()));
            }
        }
        let leaf = cmd.get_subcommands().next().is_none();
        if leaf && !help.contains("Ví dụ:") {
            out.push(format!("{path}: no example (Ví dụ:)"));
        }
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for n in names {
            let Some(sub) = cmd.find_subcommand_mut(&n) else {
                continue;
            };
            if sub.get_about().is_none() {
                out.push(format!("{path} {n}: no description"));
            }
            walk(sub, &format!("{path} {n}"), out);
        }
    }
    let mut cmd = localize(cmd, Lang::Vi);
    cmd.build();
    let name = cmd.get_name().to_owned();
    let mut out = Vec::new();
    walk(&mut cmd, &name, &mut out);
    out
}

/// Replaces clap's fixed English words in rendered help or usage text.
fn vi_words(text: &str) -> String {
    text.replace("Usage:", "Cách dùng:")
        .replace("[OPTIONS]", "[TÙY CHỌN]")
        .replace("<COMMAND>", "<LỆNH>")
}

/// `text` without ANSI escape sequences (clap styles what it renders).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn ctx_string(err: &clap::Error, kind: ContextKind) -> Option<String> {
    ctx_styled(err, kind).map(|s| plain(&s))
}

fn ctx_styled(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
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
        ContextValue::Bool(b) => Some(b.to_string()),
        ContextValue::None => None,
        _ => None,
    }
}

/// The message for a parse error `err` in `lang`: what is wrong, a suggestion when clap has one,
/// the usage line and where to read more. Help and version requests render as clap renders them,
/// with clap's English words replaced in Vietnamese.
pub fn render_error(err: &clap::Error, lang: Lang) -> String {
    render_error_with(err, lang, None)
}

/// [`render_error`], with the usage line of the command the user was typing, for the errors
/// that clap gives without one.
fn render_error_with(err: &clap::Error, lang: Lang, usage: Option<String>) -> String {
    if lang == Lang::En {
        return err.render().to_string();
    }
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            return vi_words(&plain(&err.render().to_string()));
        }
        _ => {}
    }
    let arg = ctx_string(err, ContextKind::InvalidArg).unwrap_or_default();
    let value = ctx_string(err, ContextKind::InvalidValue).unwrap_or_default();
    let mut s = String::from("Lỗi: ");
    match err.kind() {
        ErrorKind::InvalidValue => {
            if value.is_empty() {
                let _ = write!(s, "{arg} cần một giá trị");
            } else {
                let _ = write!(s, "giá trị «{value}» không hợp lệ cho {arg}");
            }
            if let Some(valid) = ctx_string(err, ContextKind::ValidValue) {
                let _ = write!(s, "\n  Các giá trị hợp lệ: {valid}");
            }
        }
        ErrorKind::ValueValidation => {
            let _ = write!(s, "giá trị «{value}» không hợp lệ cho {arg}");
            if let Some(source) = std::error::Error::source(err) {
                let _ = write!(s, ": {}", vi_source(&source.to_string()));
            }
        }
        ErrorKind::UnknownArgument => {
            let _ = write!(s, "không có tùy chọn «{arg}» ở lệnh này");
        }
        ErrorKind::InvalidSubcommand => {
            let sub = ctx_string(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            let _ = write!(s, "không có lệnh «{sub}»");
        }
        ErrorKind::NoEquals => {
            let _ = write!(s, "{arg} cần dấu «=» trước giá trị");
        }
        ErrorKind::TooManyValues => {
            let _ = write!(s, "thừa giá trị «{value}» cho {arg}");
        }
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            let expected = ctx_string(err, ContextKind::ExpectedNumValues)
                .or_else(|| ctx_string(err, ContextKind::MinValues))
                .unwrap_or_default();
            let actual = ctx_string(err, ContextKind::ActualNumValues).unwrap_or_default();
            let _ = write!(s, "{arg} cần {expected} giá trị, có {actual}");
        }
        ErrorKind::ArgumentConflict => {
            let prior = ctx_string(err, ContextKind::PriorArg).unwrap_or_default();
            if prior == arg || prior.is_empty() {
                let _ = write!(s, "{arg} chỉ được dùng một lần");
            } else {
                let _ = write!(s, "{arg} không dùng cùng với {prior}");
            }
        }
        ErrorKind::MissingRequiredArgument => {
            let _ = write!(s, "thiếu tham số bắt buộc: {arg}");
        }
        ErrorKind::MissingSubcommand => {
            let _ = write!(s, "cần chọn một lệnh");
        }
        ErrorKind::InvalidUtf8 => {
            let _ = write!(s, "tham số không phải văn bản UTF-8");
        }
        _ => {
            // A kind without context of its own: clap's text without its "error:" prefix.
            let text = plain(&err.render().to_string());
            let first = text.lines().next().unwrap_or_default();
            let _ = write!(s, "{}", first.trim_start_matches("error: "));
        }
    }
    if let Some(sub) = ctx_styled(err, ContextKind::SuggestedSubcommand).map(|_| {
        match err.get(ContextKind::SuggestedSubcommand) {
            Some(ContextValue::Strings(v)) => v.join("» hoặc «"),
            _ => ctx_string(err, ContextKind::SuggestedSubcommand).unwrap_or_default(),
        }
    }) {
        let _ = write!(s, "\n  Có phải ý bạn là lệnh «{sub}»?");
    }
    if let Some(a) = ctx_string(err, ContextKind::SuggestedArg) {
        let _ = write!(s, "\n  Có phải ý bạn là «{a}»?");
    }
    if let Some(v) = ctx_string(err, ContextKind::SuggestedValue) {
        let _ = write!(s, "\n  Có phải ý bạn là «{v}»?");
    }
    if let Some(usage) = usage.or_else(|| ctx_string(err, ContextKind::Usage)) {
        let usage = vi_words(usage.trim());
        let _ = write!(s, "\n\n{usage}");
        if let Some(cmd) = usage
            .strip_prefix("Cách dùng:")
            .map(str::trim)
            .and_then(|u| {
                let words: Vec<&str> = u
                    .split_whitespace()
                    .take_while(|w| !w.starts_with(['[', '<', '-']))
                    .collect();
                (!words.is_empty()).then(|| words.join(" "))
            })
        {
            let _ = write!(s, "\n\nXem hướng dẫn: {cmd} --help");
        }
    }
    s.push('\n');
    s
}

/// `doithoai help petition add` → `doithoai petition add --help`, since the localized tree has no
/// `help` subcommand of clap's.
fn help_subcommand_as_flag(mut args: Vec<OsString>) -> Vec<OsString> {
    let mut first_positional = None;
    let mut skip_value = false;
    for (i, a) in args.iter().enumerate().skip(1) {
        let a = a.to_string_lossy();
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if a.starts_with('-') {
            // The global flags of both binaries that take a separate value.
            skip_value = matches!(a.as_ref(), "--lang" | "--data-dir");
            continue;
        }
        first_positional = Some(i);
        break;
    }
    if let Some(i) = first_positional
        && args[i] == "help"
    {
        args.remove(i);
        args.push("--help".into());
    }
    args
}

/// Parses the process's arguments into `T` with clap's words in the user's language.
///
/// Returns the parsed value and the language, or the exit code after printing help, the version
/// (both to stdout, code 0) or a parse error (stderr, code 2).
pub fn parse<T: CommandFactory + FromArgMatches>(env_var: &str) -> Result<(T, Lang), ExitCode> {
    parse_from(std::env::args_os().collect(), env_var)
}

/// [`parse`] over given arguments (the first is the program's name).
pub fn parse_from<T: CommandFactory + FromArgMatches>(
    args: Vec<OsString>,
    env_var: &str,
) -> Result<(T, Lang), ExitCode> {
    let lang = lang_of(&args, env_var);
    let args = if lang == Lang::Vi {
        help_subcommand_as_flag(args)
    } else {
        args
    };
    let cmd = localize(T::command(), lang);
    let result = cmd
        .clone()
        .try_get_matches_from(&args)
        .and_then(|m| T::from_arg_matches(&m));
    match result {
        Ok(v) => Ok((v, lang)),
        Err(e) => {
            let text = render_error_with(&e, lang, Some(usage_of(cmd, &args)));
            if e.use_stderr() {
                eprint!("{text}");
            } else {
                print!("{text}");
            }
            Err(ExitCode::from(e.exit_code().clamp(0, 255) as u8))
        }
    }
}

/// The usage line of the deepest subcommand named in `args`.
fn usage_of(mut cmd: Command, args: &[OsString]) -> String {
    let takes_value = |cmd: &Command, long: &str| {
        cmd.get_arguments()
            .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
    };
    let root = cmd.clone();
    let mut skip_value = false;
    for a in args.iter().skip(1) {
        let a = a.to_string_lossy();
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            skip_value =
                !long.contains('=') && (takes_value(&cmd, long) || takes_value(&root, long));
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        match cmd.find_subcommand(a.as_ref()) {
            Some(sub) => {
                let name = format!("{} {}", cmd.get_bin_name().unwrap_or(cmd.get_name()), a);
                cmd = sub.clone().bin_name(name);
            }
            None => break,
        }
    }
    plain(&cmd.render_usage().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Ghi ý kiến.
    #[derive(Debug, Parser)]
    #[command(name = "dt", version)]
    struct Cli {
        /// Ngôn ngữ.
        #[arg(long, global = true)]
        lang: Option<String>,
        #[command(subcommand)]
        cmd: Sub,
    }

    #[derive(Debug, clap::Subcommand)]
    enum Sub {
        /// Thêm ý kiến.
        Add {
            /// Số người.
            #[arg(long, default_value_t = 1)]
            people: u32,
            /// Loại.
            #[arg(long, value_parser = ["kien_nghi", "phan_anh"])]
            kind: Option<String>,
        },
    }

    fn err_of(args: &[&str]) -> clap::Error {
        let cmd = localize(Cli::command(), Lang::Vi);
        cmd.try_get_matches_from(args).expect_err("parse error")
    }

    fn message(args: &[&str]) -> String {
        let cmd = localize(Cli::command(), Lang::Vi).bin_name("dt");
        let os: Vec<OsString> = args.iter().map(OsString::from).collect();
        let usage = usage_of(cmd, &os);
        render_error_with(&err_of(args), Lang::Vi, Some(usage))
    }

    #[test]
    fn errors_speak_vietnamese_with_what_is_wrong() {
        let e = render_error(&err_of(&["dt", "add", "--people", "năm"]), Lang::Vi);
        assert!(
            e.starts_with("Lỗi: giá trị «năm» không hợp lệ cho --people"),
            "{e}"
        );
        assert!(e.contains("phải là một số"), "{e}");
        assert!(!e.contains("error:") && !e.contains("invalid digit"), "{e}");

        let e = message(&["dt", "add", "--peple", "3"]);
        assert!(e.contains("không có tùy chọn «--peple»"), "{e}");
        assert!(e.contains("Có phải ý bạn là «--people»?"), "{e}");
        assert!(e.contains("Cách dùng: dt add [TÙY CHỌN]"), "{e}");
        assert!(e.contains("Xem hướng dẫn: dt add --help"), "{e}");

        let e = render_error(&err_of(&["dt", "ad"]), Lang::Vi);
        assert!(e.contains("không có lệnh «ad»"), "{e}");
        assert!(e.contains("«add»"), "{e}");

        let e = render_error(&err_of(&["dt", "add", "--kind", "xyz"]), Lang::Vi);
        assert!(e.contains("Các giá trị hợp lệ: kien_nghi, phan_anh"), "{e}");
    }

    #[test]
    fn help_has_no_english_words_of_clap() {
        let e = err_of(&["dt", "add", "--help"]);
        let help = render_error(&e, Lang::Vi);
        for english in [
            "Usage:",
            "Options:",
            "Print help",
            "[default:",
            "[possible values",
        ] {
            assert!(!help.contains(english), "{english} in:\n{help}");
        }
        assert!(help.contains("Tùy chọn:"), "{help}");
        assert!(help.contains("[mặc định: 1]"), "{help}");
        assert!(help.contains("[giá trị: kien_nghi, phan_anh]"), "{help}");
        let root = render_error(&err_of(&["dt", "--help"]), Lang::Vi);
        assert!(
            root.contains("Lệnh:") && root.contains("In phiên bản"),
            "{root}"
        );
    }

    #[test]
    fn english_is_clap_as_it_is() {
        let cmd = localize(Cli::command(), Lang::En);
        let e = cmd
            .try_get_matches_from(["dt", "add", "--people", "x"])
            .expect_err("parse error");
        assert!(render_error(&e, Lang::En).contains("error: invalid value"));
    }

    #[test]
    fn the_language_is_read_before_parsing() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            lang_from_args(&args(&["dt", "add", "--lang", "en"])),
            Some(Lang::En)
        );
        assert_eq!(
            lang_from_args(&args(&["dt", "--lang=vi", "x"])),
            Some(Lang::Vi)
        );
        assert_eq!(lang_from_args(&args(&["dt", "--", "--lang", "en"])), None);
        assert_eq!(
            help_subcommand_as_flag(args(&["dt", "help", "add"])),
            args(&["dt", "add", "--help"])
        );
    }
}
