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
///
/// The descriptions of the commands and arguments stay as the program wrote them (Vietnamese
/// doc comments); [`localize_with`] also gives them in English.
pub fn localize(cmd: Command, lang: Lang) -> Command {
    if lang == Lang::En {
        return cmd;
    }
    localize_vi(cmd, true)
}

/// English descriptions of a binary's commands and arguments, for `--lang en`.
///
/// Each entry is `(key, text)`. A command's key is its path below the binary, words separated by
/// one space (`"petition add"`; `""` is the binary itself); its text's first paragraph is the
/// short description (`-h`), the whole text the long one (`--help`). An argument's key is the
/// command's path and the flag (`"petition add --name"`) or, for a positional argument, its id
/// in angle brackets (`"petition show <id>"`); a key of the flag alone (`"--json"`) describes
/// that flag in every command that has no entry of its own for it.
///
/// A command's examples are commands, the same in both languages: when an English text has none
/// ("Example"), the "Ví dụ:" lines of the Vietnamese help are carried over under "Examples:".
pub type HelpTable = [(&'static str, &'static str)];

/// [`localize`], and in English the descriptions of `table` in place of the Vietnamese ones.
pub fn localize_with(cmd: Command, lang: Lang, table: &HelpTable) -> Command {
    match lang {
        Lang::Vi => localize_vi(cmd, true),
        Lang::En => {
            let bin = cmd.get_name().to_owned();
            english(cmd, "", &bin, table)
        }
    }
}

fn lookup<'t>(table: &'t HelpTable, key: &str) -> Option<&'t str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The key of argument `arg` in command `path` (see [`HelpTable`]), and its key for every command.
fn arg_keys(path: &str, arg: &Arg) -> (String, String) {
    let own = match arg.get_long() {
        Some(long) => format!("--{long}"),
        None => format!("<{}>", arg.get_id()),
    };
    let specific = if path.is_empty() {
        own.clone()
    } else {
        format!("{path} {own}")
    };
    (specific, own)
}

fn arg_text<'t>(table: &'t HelpTable, path: &str, arg: &Arg) -> Option<&'t str> {
    let (specific, any) = arg_keys(path, arg);
    lookup(table, &specific).or_else(|| lookup(table, &any))
}

/// Is `c` a character English help may hold: ASCII, or punctuation common to both languages.
fn english_char(c: char) -> bool {
    c.is_ascii() || "«»—–…≥≤’‘“”·×→".contains(c)
}

/// The example lines of a Vietnamese long help (after "Ví dụ:"), each command on its own line;
/// a Vietnamese remark after a command ("   (…)") is left out.
fn examples_of(vi: &str, bin: &str) -> Vec<String> {
    let Some(at) = vi.find("Ví dụ:") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in vi[at + "Ví dụ:".len()..].lines() {
        let mut line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(cut) = line.find("  (")
            && !line[cut..].chars().all(english_char)
        {
            line = line[..cut].trim_end();
        }
        let indent = if line.starts_with(bin) {
            "  "
        } else {
            "      "
        };
        out.push(format!("{indent}{line}"));
    }
    out
}

fn english(mut cmd: Command, path: &str, bin: &str, table: &HelpTable) -> Command {
    if let Some(text) = lookup(table, path) {
        let about = text.split("\n\n").next().unwrap_or(text).to_owned();
        let vi_long = cmd
            .get_long_about()
            .or_else(|| cmd.get_about())
            .map(|s| s.to_string())
            .unwrap_or_default();
        let mut long = text.to_owned();
        let mut examples = examples_of(&vi_long, bin);
        // Examples given after the options ("after help") in Vietnamese are carried the same way.
        for after in [cmd.get_after_help(), cmd.get_after_long_help()]
            .into_iter()
            .flatten()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
        {
            if !after.chars().all(english_char) {
                examples.extend(examples_of(&after, bin));
                cmd = cmd
                    .after_help(clap::builder::Resettable::Reset)
                    .after_long_help(clap::builder::Resettable::Reset);
            }
        }
        examples.dedup();
        if !text.contains("Example") && !examples.is_empty() {
            long.push_str("\n\nExamples:\n");
            long.push_str(&examples.join("\n"));
        }
        cmd = cmd.about(about).long_about(long);
    }
    cmd = cmd.mut_args(|arg| {
        let mut arg = match arg_text(table, path, &arg) {
            Some(text) => arg
                .help(text.to_owned())
                .long_help(clap::builder::Resettable::Reset),
            None => arg,
        };
        // As in Vietnamese, the flags of every command apart from each command's own.
        if arg.is_global_set() && arg.get_help_heading().is_none() {
            arg = arg.help_heading("Global options");
        }
        // A value clap would name after the field (`names` → <NAMES>) is named after its flag
        // (--name <NAME>).
        let derived = arg
            .get_value_names()
            .is_none_or(|v| v.len() == 1 && v[0] == arg.get_id().as_str().to_uppercase());
        if arg.get_action().takes_values()
            && derived
            && let Some(long) = arg.get_long()
        {
            let name = long.to_uppercase().replace('-', "_");
            arg = arg.value_name(name);
        }
        // A value named in Vietnamese (<THƯ_MỤC>) is named as clap would name it.
        if arg
            .get_value_names()
            .is_some_and(|v| v.iter().any(|n| !n.chars().all(english_char)))
        {
            let name = arg.get_id().as_str().to_uppercase();
            arg = arg.value_name(name);
        }
        arg
    });
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(name, |s| english(s, &sub_path, bin, table));
    }
    cmd
}

/// What is missing from the English help of `cmd` with `table` (see [`HelpTable`]): a command or
/// an argument without an English text, and any rendered help that still holds a character
/// outside ASCII and common punctuation (a Vietnamese word), example command lines aside; and an
/// entry of the table that describes nothing (a command renamed or removed) or comes twice. Empty
/// when all is well; a test of each binary asserts that.
pub fn english_help_problems(cmd: Command, table: &HelpTable) -> Vec<String> {
    struct Walk<'a> {
        bin: &'a str,
        table: &'a HelpTable,
        used: std::collections::HashSet<String>,
        out: Vec<String>,
    }
    fn walk(cmd: &mut Command, path: &str, w: &mut Walk<'_>) {
        let (bin, table) = (w.bin, w.table);
        let shown = if path.is_empty() { "(root)" } else { path };
        if lookup(table, path).is_none() {
            w.out.push(format!("{shown:?}: no English text"));
        }
        w.used.insert(path.to_owned());
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if id == "help" || id == "version" || (a.is_global_set() && !path.is_empty()) {
                continue;
            }
            let (specific, any) = arg_keys(path, a);
            if lookup(table, &specific).is_some() {
                w.used.insert(specific);
            } else if lookup(table, &any).is_some() {
                w.used.insert(any);
            } else {
                w.out.push(format!("{specific:?}: no English text"));
            }
        }
        for help in [
            plain(&cmd.render_help().to_string()),
            plain(&cmd.render_long_help().to_string()),
        ] {
            let mut in_examples = false;
            for line in help.lines() {
                let t = line.trim_start();
                if t.starts_with("Example") {
                    in_examples = true;
                }
                let example = in_examples && (t.starts_with(bin) || t.starts_with('-'));
                if !example && !line.chars().all(english_char) {
                    w.out.push(format!("{shown}: not English: {}", line.trim()));
                }
            }
        }
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        // clap's own `help` subcommand speaks English already.
        for n in names.into_iter().filter(|n| n != "help") {
            let sub_path = if path.is_empty() {
                n.clone()
            } else {
                format!("{path} {n}")
            };
            if let Some(sub) = cmd.find_subcommand_mut(&n) {
                walk(sub, &sub_path, w);
            }
        }
    }
    let mut cmd = localize_with(cmd, Lang::En, table);
    cmd.build();
    let bin = cmd.get_name().to_owned();
    let mut w = Walk {
        bin: &bin,
        table,
        used: Default::default(),
        out: Vec::new(),
    };
    walk(&mut cmd, "", &mut w);
    let mut seen = std::collections::HashSet::new();
    for (key, _) in table {
        if !seen.insert(*key) {
            w.out.push(format!("{key:?}: twice in the table"));
        } else if !w.used.contains(*key) {
            w.out.push(format!(
                "{key:?}: in the table, but no such command or flag"
            ));
        }
    }
    w.out.dedup();
    w.out
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
        // Examples whose lines clap joined (a doc comment without verbatim_doc_comment).
        let bin = format!("{} ", path.split(' ').next().unwrap_or_default());
        if let Some(at) = help.find("Ví dụ:")
            && help[at..].lines().any(|l| l.matches(&bin).count() > 1)
        {
            out.push(format!("{path}: two examples on one line"));
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

/// Walks `args` as clap will read them, skipping flags and the values of the flags that take one
/// (those of the command reached so far and the root's globals): the index of the first word
/// that is neither, and the deepest subcommand the words name.
fn walk(cmd: &Command, args: &[OsString]) -> (Option<usize>, Command) {
    let takes_value = |cmd: &Command, long: &str| {
        cmd.get_arguments()
            .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
    };
    let mut current = cmd.clone();
    let mut first = None;
    let mut skip_value = false;
    for (i, a) in args.iter().enumerate().skip(1) {
        let a = a.to_string_lossy();
        if std::mem::take(&mut skip_value) {
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            skip_value =
                !long.contains('=') && (takes_value(&current, long) || takes_value(cmd, long));
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        first.get_or_insert(i);
        match current.find_subcommand(a.as_ref()) {
            Some(sub) => {
                let name = format!(
                    "{} {}",
                    current.get_bin_name().unwrap_or(current.get_name()),
                    a
                );
                current = sub.clone().bin_name(name);
            }
            None => break,
        }
    }
    (first, current)
}

/// `doithoai help petition add` → `doithoai petition add --help`, since the localized tree has no
/// `help` subcommand of clap's.
fn help_subcommand_as_flag(cmd: &Command, mut args: Vec<OsString>) -> Vec<OsString> {
    if let (Some(i), _) = walk(cmd, &args)
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
/// In English the descriptions are those of `table` (see [`HelpTable`]).
pub fn parse<T: CommandFactory + FromArgMatches>(
    env_var: &str,
    table: &HelpTable,
) -> Result<(T, Lang), ExitCode> {
    parse_from(std::env::args_os().collect(), env_var, table)
}

/// [`parse`] over given arguments (the first is the program's name).
pub fn parse_from<T: CommandFactory + FromArgMatches>(
    args: Vec<OsString>,
    env_var: &str,
    table: &HelpTable,
) -> Result<(T, Lang), ExitCode> {
    let lang = lang_of(&args, env_var);
    let cmd = localize_with(T::command(), lang, table);
    let args = if lang == Lang::Vi {
        help_subcommand_as_flag(&cmd, args)
    } else {
        args
    };
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
fn usage_of(cmd: Command, args: &[OsString]) -> String {
    let (_, mut deepest) = walk(&cmd, args);
    plain(&deepest.render_usage().to_string())
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

    /// Thêm ý kiến.
    #[derive(Debug, Parser)]
    #[command(name = "dt")]
    struct Two {
        #[command(subcommand)]
        cmd: TwoSub,
    }

    #[derive(Debug, clap::Subcommand)]
    enum TwoSub {
        /// Ghi ý kiến mới.
        ///
        /// Ví dụ: dt add --name "Nguyễn Văn Đức"
        Add {
            /// Họ tên.
            #[arg(long = "name", required = true)]
            names: Vec<String>,
            /// In ra JSON.
            #[arg(long)]
            json: bool,
            /// Tệp.
            #[arg(long, value_name = "TỆP")]
            file: Option<String>,
        },
        /// Xem một ý kiến.
        ///
        /// Ví dụ: dt show 17/2026     (theo số vào sổ)
        #[command(verbatim_doc_comment)]
        Show {
            /// Mã ý kiến.
            id: String,
            /// In ra JSON.
            #[arg(long)]
            json: bool,
        },
    }

    const TWO_EN: &HelpTable = &[
        ("", "Petitions."),
        ("--json", "Print as JSON"),
        ("add", "Record a new petition."),
        ("add --name", "Full name"),
        ("add --file", "File"),
        ("show", "Show a petition."),
        ("show <id>", "Petition id"),
    ];

    fn long_help(cmd: Command, path: &[&str]) -> String {
        let mut cmd = cmd;
        cmd.build();
        let mut c = &mut cmd;
        for p in path {
            c = c.find_subcommand_mut(p).expect("subcommand");
        }
        plain(&c.render_long_help().to_string())
    }

    #[test]
    fn english_texts_replace_the_vietnamese_ones_by_path_and_flag() {
        let cmd = localize_with(Two::command(), Lang::En, TWO_EN);
        let add = long_help(cmd.clone(), &["add"]);
        assert!(add.starts_with("Record a new petition."), "{add}");
        assert!(
            add.contains("--name <NAME>") && add.contains("Full name"),
            "{add}"
        );
        // A flag's text for every command: --json.
        assert!(add.contains("Print as JSON"), "{add}");
        // The Vietnamese value name (<TỆP>) is not shown in English.
        assert!(add.contains("--file <FILE>"), "{add}");
        // The example is carried over, a command as in Vietnamese.
        assert!(
            add.contains("Examples:\n  dt add --name \"Nguyễn Văn Đức\""),
            "{add}"
        );
        let show = long_help(cmd, &["show"]);
        assert!(show.contains("Petition id"), "{show}");
        // The example's Vietnamese remark is left out, the command kept.
        assert!(show.contains("  dt show 17/2026\n"), "{show}");
        assert!(!show.contains("theo số"), "{show}");
        for vi in ["Họ tên", "Mã ý kiến", "Ví dụ", "In ra JSON"] {
            assert!(
                !show.contains(vi)
                    && !long_help(localize_with(Two::command(), Lang::En, TWO_EN), &["add"])
                        .contains(vi),
                "{vi}"
            );
        }
        // In Vietnamese the table changes nothing.
        let vi = long_help(localize_with(Two::command(), Lang::Vi, TWO_EN), &["add"]);
        assert!(vi.contains("Họ tên") && vi.contains("Ví dụ:"), "{vi}");
        assert!(help_problems(Two::command()).is_empty());
        let joined = Two::command().mut_subcommand("add", |c| {
            c.long_about("Ghi ý kiến mới.\n\nVí dụ: dt add --name A dt add --name B")
        });
        assert_eq!(help_problems(joined), ["dt add: two examples on one line"]);
    }

    #[test]
    fn english_help_problems_name_what_has_no_english_text() {
        assert_eq!(
            english_help_problems(Two::command(), TWO_EN),
            Vec::<String>::new()
        );
        let partial: Vec<(&'static str, &'static str)> = TWO_EN
            .iter()
            .copied()
            .filter(|(k, _)| *k != "add --name" && *k != "show")
            .collect();
        let problems = english_help_problems(Two::command(), &partial);
        assert!(
            problems.contains(&"\"add --name\": no English text".to_owned()),
            "{problems:#?}"
        );
        assert!(
            problems.contains(&"\"show\": no English text".to_owned()),
            "{problems:#?}"
        );
        // The Vietnamese words left in place are named too.
        assert!(
            problems
                .iter()
                .any(|p| p.contains("not English") && p.contains("Họ tên")),
            "{problems:#?}"
        );
        // An entry that describes nothing, or comes twice, is named.
        let mut stale = TWO_EN.to_vec();
        stale.push(("remove", "Remove a petition."));
        stale.push(("add --name", "Name"));
        let problems = english_help_problems(Two::command(), &stale);
        assert!(
            problems.contains(&"\"remove\": in the table, but no such command or flag".to_owned()),
            "{problems:#?}"
        );
        assert!(
            problems.contains(&"\"add --name\": twice in the table".to_owned()),
            "{problems:#?}"
        );
        // A text of the table in Vietnamese is not English either.
        let mut wrong = TWO_EN.to_vec();
        wrong[2] = ("add", "Ghi ý kiến mới.");
        let problems = english_help_problems(Two::command(), &wrong);
        assert!(
            problems.iter().any(|p| p.starts_with("add: not English")),
            "{problems:#?}"
        );
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
            help_subcommand_as_flag(&Cli::command(), args(&["dt", "help", "add"])),
            args(&["dt", "add", "--help"])
        );
    }
}
