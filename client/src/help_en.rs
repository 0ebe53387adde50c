//! The English descriptions of `doithoai`'s commands and flags, for `--lang en` (see
//! `doithoai_clilang::HelpTable`). The Vietnamese ones are the doc comments in `cli.rs`,
//! `office.rs`, `sessions.rs` and `calendar.rs`; the examples ("Ví dụ:") are carried over from
//! them unless a text here gives its own. A test (`tests/cli_words.rs`) asserts that every command
//! and flag has a text here and that no Vietnamese word is left in the English help.

use doithoai_clilang::HelpTable;

/// The session a command writes to, in every `session` command that takes `--session`.
const SESSION: &str = "The session: the first few characters of its id, or its date (dd/mm/yyyy); by default the current one (the one just created, or chosen with session use)";

pub const HELP_EN: &HelpTable = &[
    // Flags that mean the same in every command that has them.
    ("--json", "Print as JSON"),
    ("--session", SESSION),
    ("--note", "A note (kept in the handling log)"),
    ("--year", "Year, e.g. 2026"),
    (
        "<id>",
        "Petition id (the first 8 characters are enough) or register number, e.g. 17/2026",
    ),
    // The binary and its global flags.
    (
        "",
        "doithoai: a ward's register of residents' petitions and of its dialogue sessions. Works without a network.",
    ),
    (
        "--data-dir",
        "Data directory (default: the user's data directory)",
    ),
    ("--lang", "Display language: vi (default) or en"),
    (
        "--verbose",
        "Print the log on the terminal (-v: info, -vv: debug); by default the log goes to doithoai.log in the data directory",
    ),
    // Setting up and syncing.
    (
        "init",
        "Set up this laptop before enrolling it with the ward's server.",
    ),
    (
        "init --name",
        "Name of the user or of the laptop, written into the change history",
    ),
    (
        "init --point",
        "Intake point code (residential group, organisation); updated on enrolment",
    ),
    (
        "init --role",
        "Role of the laptop: collector (intake point, default), office (ward office), monitor (Fatherland Front)",
    ),
    (
        "join",
        "Enrol this laptop with the ward's server using a one-time enrolment code, then sync.\n\nA code printed by a server with a self-signed certificate has a fingerprint part (after ABCD-EFGH2345): the laptop pins that certificate and refuses any other server.",
    ),
    (
        "join <url>",
        "Server address, e.g. https://192.168.1.10:8800",
    ),
    ("join <code>", "Enrolment code issued by the IT officer"),
    (
        "join --name",
        "Name of the user or of the laptop (when the laptop is not set up yet)",
    ),
    (
        "join --fallback",
        "Address of another server of the same service (the same database, the same certificate); the laptop moves to it when the main server does not answer. May be repeated.",
    ),
    (
        "sync",
        "Sync with the server now; exits once the server has every change made on this laptop.\n\nExamples:\n  doithoai sync\n  doithoai sync --doc automerge:<id>   (a document id printed by session create)",
    ),
    (
        "sync --doc",
        "Fetch only one document by its id (automerge:...), e.g. a shared session document",
    ),
    (
        "status",
        "Status: online or not, last sync, changes not yet confirmed by the server.",
    ),
    (
        "serve",
        "Background sync and the web UI on this laptop (http://127.0.0.1:8765): reconnects whenever there is a network (runs until Ctrl-C).",
    ),
    (
        "serve --listen",
        "Address of the web UI, on this laptop only (default 127.0.0.1:8765)",
    ),
    (
        "ui",
        "Open the web UI in the browser (starts serve if it is not running).",
    ),
    (
        "documents",
        "Documents devices registered with the server (office laptops): list them and remove spare registrations",
    ),
    (
        "documents list",
        "List the documents devices registered (intake volumes, sessions), and the writes the server flagged.",
    ),
    (
        "documents remove",
        "Remove a document's registration: the server syncs it with nobody from now on.",
    ),
    (
        "documents remove <id>",
        "Document id (as documents list shows it)",
    ),
    // Petitions.
    (
        "petition",
        "Record, look up and correct residents' petitions",
    ),
    (
        "petition add",
        "Record a new petition. Run it with no arguments in a terminal to be asked field by field.",
    ),
    ("--name", "Resident's full name (repeat for several people)"),
    ("--address", "Address, in the order of --name"),
    (
        "--tdp",
        "Residential group (TDP) of the resident, in the order of --name",
    ),
    ("--phone", "Phone number (optional), in the order of --name"),
    (
        "--id-number",
        "Citizen ID (CCCD) number (optional), in the order of --name",
    ),
    ("--people", "Number of people raising the petition"),
    (
        "--kind",
        "Kind: kien_nghi, phan_anh, y_kien, khieu_nai, to_cao (with or without diacritics)",
    ),
    (
        "--field",
        "Field: a code (dat_dai, ha_tang, moi_truong, ...) or its name",
    ),
    ("--content", "Content of the petition"),
    ("--request", "What the resident asks for"),
    ("--place", "Place concerned (street, alley, area)"),
    (
        "--speak",
        "The resident wants to speak at a dialogue session",
    ),
    (
        "petition add --date",
        "Date recorded, dd/mm/yyyy or \"dd/mm/yyyy HH:MM\" (default: now)",
    ),
    (
        "petition edit --date",
        "Date recorded, dd/mm/yyyy or \"dd/mm/yyyy HH:MM\"",
    ),
    (
        "petition list",
        "List petitions, filtered by field, status, intake point, keyword or date range.",
    ),
    (
        "petition list --status",
        "Status (collected, received, assigned, ... or its Vietnamese name)",
    ),
    ("petition list --point", "Intake point"),
    ("petition list --kind", "Kind of petition"),
    (
        "petition list --text",
        "Keyword, ignoring diacritics and case: \"nguyen van\" finds \"Nguyen Van\" written with diacritics",
    ),
    ("petition list --from", "From date (dd/mm/yyyy)"),
    ("petition list --to", "To date (dd/mm/yyyy)"),
    ("petition list --limit", "Maximum number of rows"),
    (
        "petition show",
        "Show a petition and its change history (who changed what, when).",
    ),
    (
        "petition edit",
        "Correct a petition: only the fields named change.",
    ),
    ("petition edit --clear-field", "Remove the chosen field"),
    (
        "petition edit --no-speak",
        "The resident no longer wants to speak",
    ),
    (
        "petition edit --relayed",
        "Mark the ward's answer as relayed to the resident (with a note)",
    ),
    // Handling at the ward office.
    (
        "handle",
        "Handle petitions at the ward office: register, classify, assign, answer, notify",
    ),
    (
        "handle receive",
        "Enter petitions in the intake register: register numbers per year (1, 2, 3... of the year received).",
    ),
    (
        "handle receive <ids>",
        "Ids of the petitions to register (the first 8 characters are enough)",
    ),
    (
        "handle receive --all",
        "Register every waiting petition (status \"newly recorded\"), oldest first",
    ),
    (
        "handle receive --date",
        "Date received, dd/mm/yyyy (default: today). The 10-working-day deadline counts from it",
    ),
    (
        "handle classify",
        "Classify: kind, field, competence. Complaints and denunciations are flagged and must be forwarded or answered with guidance under their own laws.",
    ),
    (
        "handle classify --kind",
        "Kind: kien_nghi, phan_anh, y_kien, khieu_nai, to_cao (default: as recorded)",
    ),
    (
        "handle classify --field",
        "Field: a code (dat_dai, xay_dung, ha_tang, moi_truong, an_ninh, chinh_sach, y_te_giao_duc, van_hoa, dien_nuoc, thu_tuc, can_bo, khac) or its name",
    ),
    (
        "handle classify --competence",
        "Competence: phuong (default), cap_tren, nganh_doc, dang, mttq",
    ),
    (
        "handle classify --prior",
        "Body that dealt with it before (column 8 of the register)",
    ),
    (
        "handle duplicates",
        "Suggest petitions that may be duplicates: same field, similar content or place (ignoring diacritics).",
    ),
    (
        "handle duplicates <id>",
        "Only look for duplicates of this petition",
    ),
    (
        "handle duplicates --min-score",
        "Minimum similarity, from 0 to 1",
    ),
    (
        "handle merge",
        "Merge a duplicate into the original petition: the duplicate is kept and linked to it, its people are added to the group, and it is answered once.",
    ),
    ("handle merge <id>", "The duplicate (id or register number)"),
    (
        "handle merge --into",
        "The original petition (id or register number)",
    ),
    (
        "handle forward",
        "Forward a petition to the competent body, or return it with guidance to the resident (--guide).",
    ),
    ("handle forward --to", "Recipient"),
    (
        "handle forward --letter",
        "Number of the forwarding or guidance letter",
    ),
    (
        "handle forward --date",
        "Date of the letter, dd/mm/yyyy (default: today)",
    ),
    (
        "handle forward --guide",
        "Return the petition with guidance (instead of forwarding it)",
    ),
    (
        "handle file",
        "File a petition without handling it; a reason is required.",
    ),
    ("handle file --reason", "Reason"),
    (
        "handle assign",
        "Assign a department to handle a petition, with a deadline (default: 10 working days from registration, skipping Saturdays, Sundays and public holidays).",
    ),
    (
        "handle assign --department",
        "Department: dia_chinh, van_hoa_xa_hoi, tu_phap, tai_chinh, cong_an, quan_su, van_phong (or its name)",
    ),
    ("handle assign --deadline", "Deadline, dd/mm/yyyy"),
    ("handle assign --note", "Note on the assignment"),
    (
        "handle answer",
        "Record the answer (to be approved next). With --on-spot: answered in person at a dialogue session, and the petition goes straight to \"notified\".",
    ),
    ("handle answer --text", "The answer"),
    ("handle answer --legal-basis", "Legal basis"),
    ("handle answer --doc-no", "Number of the answer letter"),
    (
        "handle answer --by",
        "Who answered (default: the user of this laptop)",
    ),
    (
        "handle answer --on-spot",
        "Answered in person at a dialogue session",
    ),
    (
        "handle answer --date",
        "Date of the answer, dd/mm/yyyy (default: today)",
    ),
    ("handle approve", "Approve the answer."),
    (
        "handle approve --approver",
        "Who approves (default: the user of this laptop)",
    ),
    (
        "handle notify",
        "Record that the resident was told the result. Without --channel, the \"answer relayed\" mark the TDP leader set on the petition is used (doithoai petition edit ID --relayed ...).\n\nExamples:\n  doithoai handle notify 17/2026 --channel to_truong --date 05/12/2026\n  doithoai handle notify --relayed     (every approved petition the TDP leader has relayed)",
    ),
    (
        "handle notify --channel",
        "Channel: to_truong (through the TDP leader), van_ban, cuoc_hop, bang_tin, dien_thoai, khac",
    ),
    (
        "handle notify --date",
        "Date of notification, dd/mm/yyyy (default: today)",
    ),
    (
        "handle notify --relayed",
        "Record it for every approved petition the TDP leader marked as relayed",
    ),
    (
        "handle close",
        "Close a petition (notified, forwarded, filed or merged).",
    ),
    (
        "handle reopen",
        "Reopen a closed, notified, forwarded, filed or merged petition; a reason is required.",
    ),
    (
        "handle reopen --reason",
        "Why it is reopened (required, kept in the handling log)",
    ),
    (
        "handle overdue",
        "Overdue petitions: past their deadline, not classified and accepted within 10 working days (Law on Citizen Reception, art. 28), or not registered.",
    ),
    (
        "handle overdue --date",
        "As of this date, dd/mm/yyyy (default: today)",
    ),
    (
        "handle conflicts",
        "Conflicts after syncing between office laptops: a register number given twice, a petition with two numbers, two different decisions on one petition; with the commands that resolve them.",
    ),
    (
        "handle renumber",
        "Renumber a petition whose register number clashes (an old number is never given again; the change is logged). Without a clash a reason is required.",
    ),
    (
        "handle renumber <id>",
        "Petition id (not its register number, which is the one that clashes)",
    ),
    (
        "handle renumber --keep",
        "Keep this number (one of those the petition holds) and drop the others",
    ),
    (
        "handle renumber --reason",
        "Why it is renumbered (required when there is no clash; kept in the handling log)",
    ),
    (
        "handle resolve",
        "Choose the right status when two laptops decided differently on one petition.",
    ),
    (
        "handle resolve <id>",
        "Petition id (the first 8 characters)",
    ),
    (
        "handle resolve --status",
        "The status to keep (one of those in conflict)",
    ),
    (
        "handle show",
        "Show how a petition was handled: register number, classification, assignment, answer, notification, log.",
    ),
    // Reports.
    (
        "import",
        "Import petitions from the office's spreadsheet (Excel .xlsx or CSV): the 12 columns of the ward register (form 03) or a list with Vietnamese headings; every row is checked and nothing is imported while a row has an error; importing the same file again adds nothing.",
    ),
    (
        "import <file>",
        "The spreadsheet: .xlsx (Excel) or .csv (UTF-8)",
    ),
    (
        "import --dry-run",
        "Only preview: the column mapping, how many rows would be imported and the errors by row number; nothing is written",
    ),
    (
        "import --map",
        "Map a column to a field instead of the guess from the headings, e.g. --map 2=name --map E=content (the column by number from 1 or by letter A, B…; fields: register_no, date, name_address, name, address, tdp, phone, id_number, content, request, kind, field, people, place, ignore)",
    ),
    (
        "report",
        "Reports: the intake register (Form 03), the summary of petitions for a period",
    ),
    (
        "report register",
        "The intake register of petitions: the 12 columns of Form 03 (Circular 04/2021/TT-TTCP).",
    ),
    (
        "report summary",
        "Summary of petitions: the list; counts by field, residential group and status; answered in person and assigned; overdue.",
    ),
    (
        "report register --year",
        "Year, e.g. 2026 (default: this year)",
    ),
    (
        "report summary --year",
        "Year, e.g. 2026 (default: this year)",
    ),
    ("--month", "Month, MM/YYYY, e.g. 11/2026"),
    ("--quarter", "Quarter, Q/YYYY, e.g. 4/2026"),
    ("--months", "First months of the year (6 or 9), with --year"),
    (
        "report register --from",
        "From date, dd/mm/yyyy (with --to)",
    ),
    ("report summary --from", "From date, dd/mm/yyyy (with --to)"),
    ("report register --to", "To date, dd/mm/yyyy"),
    ("report summary --to", "To date, dd/mm/yyyy"),
    (
        "report register --format",
        "Format: text (on screen), csv, xlsx or docx (Word; the summary with its charts) (default: from the --output file's extension, else text)",
    ),
    (
        "report summary --format",
        "Format: text (on screen), csv, xlsx or docx (Word; the summary with its charts) (default: from the --output file's extension, else text)",
    ),
    (
        "report register --output",
        "Output file (required for xlsx and docx)",
    ),
    (
        "report summary --output",
        "Output file (required for xlsx and docx)",
    ),
    (
        "--separator",
        "CSV column separator: \",\" (default) or \";\" (Excel with Vietnamese regional settings)",
    ),
    (
        "report summary --as-of",
        "Count overdue petitions as of this date, dd/mm/yyyy (default: today, or the period's last day if it is over)",
    ),
    // The year's plan.
    (
        "plan",
        "The year's plan of meetings and dialogue sessions, and checking that it is carried out",
    ),
    ("plan add", "Add a dialogue session to the year's plan."),
    ("plan add --month", "Planned month (1-12)"),
    (
        "plan add --kind",
        "Kind: dinh_ky (regular), chuyen_de (thematic), dot_xuat (extraordinary), thuong_xuyen (ongoing)",
    ),
    (
        "plan add --topic",
        "Topic (required for a thematic session)",
    ),
    (
        "plan add --chair",
        "Planned chair, as role=Full name (bi_thu, ct_hdnd, ct_ubnd); repeat for several. By default as the Plan says: a regular session has the three heads, a thematic one the Party Secretary and the People's Committee Chair",
    ),
    ("plan add --note", "Note"),
    (
        "plan template",
        "Create the year's plan from the template of the 2024 Plan: one regular session in June and one thematic session in October (kinds already planned that year are skipped).",
    ),
    ("plan template --topic", "Topic of the thematic session"),
    ("plan list", "Show the plan (every year, or one year)."),
    (
        "plan remove",
        "Remove a session from the plan (id as in plan list).",
    ),
    (
        "plan remove <id>",
        "Id (at least its first or last 4 characters) or its number in plan list",
    ),
    (
        "plan check",
        "Check the plan is carried out: at least 2 regular sessions a year, one of them thematic (the Plan), and at least one dialogue conference chaired by the People's Committee Chair (Law on Grassroots Democracy).",
    ),
    (
        "plan check --date",
        "As of this date (dd/mm/yyyy; default: today)",
    ),
    (
        "plan check --strict",
        "Exit with an error code when not met (for scripts)",
    ),
    // Sessions.
    (
        "session",
        "Dialogue sessions: attendance, speakers, minutes, conclusions",
    ),
    (
        "session create",
        "Create a new dialogue session and make it the current one.",
    ),
    (
        "session create --kind",
        "Kind: dinh_ky (regular), chuyen_de (thematic), dot_xuat (extraordinary), thuong_xuyen (ongoing)",
    ),
    ("session create --date", "Date held (dd/mm/yyyy)"),
    ("--start", "Start time (HH:MM)"),
    ("--end", "End time (HH:MM)"),
    ("session create --place", "Venue"),
    ("session set --place", "Venue"),
    (
        "session create --topic",
        "Topic (required for a thematic session)",
    ),
    (
        "session create --title",
        "Title of the conference (default: from its kind and topic)",
    ),
    (
        "session create --chair",
        "Chair, as role=Full name (bi_thu, ct_hdnd, ct_ubnd) or \"Title: Full name\"; repeat",
    ),
    ("--secretary", "Secretary"),
    (
        "session create --plan",
        "Id of the planned session in the year's plan (see plan list)",
    ),
    ("session list", "List the dialogue sessions."),
    (
        "session use",
        "Choose the current session (later commands need no --session).\n\nExamples:\n  doithoai session use 15/10/2026\n  doithoai session use 4Fz8",
    ),
    (
        "session use <id>",
        "The first few characters of its id, or its date",
    ),
    (
        "session show",
        "Show the whole session: attendance, proceedings, speakers, speeches, conclusions.",
    ),
    (
        "session set",
        "Change the session's details: kind, date, times, place, chairs, secretary, document number.",
    ),
    ("session set --kind", "Kind"),
    ("session set --date", "Date (dd/mm/yyyy)"),
    ("session set --topic", "Topic"),
    ("session set --title", "Title of the conference"),
    (
        "session set --chair",
        "Chairs (replaces the whole list), as role=Full name; repeat",
    ),
    (
        "session set --report-no",
        "Number and code of the report (e.g. 25/BC-UBND)",
    ),
    (
        "session set --plan",
        "Id of the planned session in the year's plan",
    ),
    (
        "session attend",
        "Record attendance: invited and present per group, or a list of names.\n\nGroups: thuong_truc, mttq, can_bo, co_so, nhan_dan, khac.",
    ),
    (
        "session attend --category",
        "Group: thuong_truc, mttq, can_bo, co_so, nhan_dan, khac",
    ),
    ("session attend --invited", "Number invited"),
    ("session attend --present", "Number present"),
    (
        "session attend --name",
        "Name of an attendee (repeat); added to the list of names",
    ),
    ("session attend --unit", "Unit of the named attendees"),
    ("session speaker", "Residents registered to speak"),
    (
        "session speaker add",
        "Register a speaker at the conference. With --content, what they raise is recorded as a petition at the office's intake desk (an office laptop with an intake point), registered on the session's date with the field given, to be answered or assigned like any other.",
    ),
    ("session speaker add --name", "Full name"),
    ("--unit", "Residential group or unit"),
    ("session speaker add --content", "What they want to raise"),
    (
        "session speaker add --petition",
        "A petition recorded before (id or register number such as 17/2026, repeat)",
    ),
    (
        "session speaker import",
        "Add to the list the residents who asked to speak when they gave a petition (petitions marked \"wants to speak\", not yet settled), in order of registration.",
    ),
    (
        "session speaker import --from",
        "Only petitions recorded from this date (dd/mm/yyyy)",
    ),
    (
        "session speaker import --point",
        "Only petitions of one intake point",
    ),
    ("session speaker list", "The registered speakers, in order."),
    (
        "session speaker move",
        "Move a registered speaker to another place in the list (as the chair directs).",
    ),
    (
        "session speaker move <speaker>",
        "Current number in the list (or id)",
    ),
    ("session speaker move --to", "New place"),
    (
        "session speaker skip",
        "Skip a registered speaker for now (not in the hall when called): move them to the end of the list, to be called again later.",
    ),
    (
        "session speaker skip <speaker>",
        "Number in the list (or id)",
    ),
    (
        "session announce",
        "Announce the session to the residential groups (time, place, content) in the ward's shared document: every TDP laptop shows it on its schedule page once synced. Without --text, a standard invitation from the session's kind, date, place and topic.",
    ),
    ("session announce --text", "The announcement's content"),
    (
        "session remark",
        "Write the Fatherland Front's monitoring remark on a conclusion (MTTQ laptops only); the ward office sees it once synced.",
    ),
    (
        "session remark <conclusion>",
        "The conclusion's number in the session (see session conclusion list), or its id",
    ),
    ("session remark --text", "The remark"),
    (
        "session step",
        "Record the time of a step of the proceedings (1 opening, 2 agenda, 3 residents speak, 4 answers, 5 discussion, 6 conclusion); by default now.",
    ),
    ("session step <n>", "Step (1-6)"),
    ("session step --at", "Start time (HH:MM; default: now)"),
    ("session step --by", "Who leads this step"),
    ("session step --note", "Note"),
    ("session speech", "Speeches at the conference"),
    (
        "session speech add",
        "Record a speech (at the current time by default). Use --speaker for a registered speaker (their number in the list), or --name for someone who speaks unregistered.",
    ),
    (
        "session speech add --speaker",
        "Registered speaker (number or id)",
    ),
    (
        "session speech add --name",
        "Full name (when not registered)",
    ),
    ("session speech add --summary", "Summary of what was said"),
    (
        "session speech add --petition",
        "A petition in the register (id or register number such as 17/2026, repeat); by default the one the registered speaker gave",
    ),
    (
        "session speech add --field",
        "Field (when linked to no petition)",
    ),
    ("session speech add --at", "Time of the speech (HH:MM)"),
    (
        "session speech add --on-spot",
        "Answered there and then at the conference",
    ),
    ("--answer", "The answer"),
    (
        "session speech add --answered-by",
        "Who answered (the chair or an officer assigned)",
    ),
    ("session speech answer", "Record the answer to a speech."),
    (
        "session speech answer <speech>",
        "Number of the speech (or id)",
    ),
    ("session speech answer --answered-by", "Who answered"),
    (
        "session speech answer --on-spot",
        "Fully answered at the conference",
    ),
    (
        "session speech list",
        "The speeches given: time, speaker, summary, answer.",
    ),
    ("session conclusion", "The chair's conclusions"),
    (
        "session conclusion add",
        "Record a conclusion; with --department that department is assigned the register's petitions named (--petition) and those of the speeches named (--speech), including those answered in person (deadline: 10 working days from the session by default). A speech linked to no petition in the register cannot be assigned: the command says so at once.",
    ),
    ("session conclusion add --text", "The conclusion"),
    (
        "session conclusion add --department",
        "Department assigned (code or name)",
    ),
    ("session conclusion add --deadline", "Deadline (dd/mm/yyyy)"),
    (
        "session conclusion add --petition",
        "A petition in the register (id or register number such as 17/2026, repeat)",
    ),
    (
        "session conclusion add --speech",
        "A speech (its number, repeat)",
    ),
    (
        "session conclusion list",
        "The conclusions: text, department assigned, deadline.",
    ),
    (
        "session conclude",
        "Close the conference: record the petitions answered in person (straight to \"notified\") and the assignments of the conclusions in the office's handling register. Running it again assigns nothing twice.",
    ),
    (
        "session minutes",
        "The secretary's notes and the minutes of the conference.",
    ),
    ("session minutes --set", "Replace the secretary's notes"),
    ("session minutes --append", "Add a paragraph to the notes"),
    (
        "session minutes --file",
        "Take the notes from a text file (UTF-8)",
    ),
    ("session minutes --format", "Minutes as: docx or text"),
    ("session minutes --output", "Output file"),
    (
        "session report",
        "Report of the dialogue session (DOCX in the layout of an administrative document, or plain text).",
    ),
    ("session report --format", "Format: docx (default) or text"),
    (
        "session report --output",
        "Output file (default: bao-cao-doi-thoai-<date>.docx; for text: on screen)",
    ),
    (
        "session report --assessment",
        "The office's further assessment",
    ),
    ("session report --recommendation", "Further recommendations"),
    (
        "--parent",
        "Parent body (the line above the issuer's name), e.g. \"UBND THANH PHO BAC GIANG\" with diacritics",
    ),
    (
        "--issuer",
        "Name of the issuing body (\\n for a new line); default: the ward's People's Committee",
    ),
    (
        "--number",
        "Number and code of the document, e.g. \"25/BC-UBND\"",
    ),
    ("--doc-date", "Date of issue (dd/mm/yyyy)"),
    (
        "--locality",
        "Place name on the date line, e.g. \"Dinh Ke\" with diacritics (default: the ward's name)",
    ),
    ("--signer", "Who signs"),
    (
        "--signer-title",
        "Title of the signer, e.g. \"PHO CHU TICH\" with diacritics",
    ),
    (
        "--on-behalf",
        "Line of signing authority, e.g. \"TM. UY BAN NHAN DAN\" or \"KT. CHU TICH\" with diacritics",
    ),
    (
        "--recipient",
        "Recipient (repeat; replaces the default list)",
    ),
    ("--doc-lang", "Language of the document: vi (default) or en"),
    // The query index.
    (
        "index",
        "The query index (rebuilt from the source data at any time)",
    ),
    (
        "index rebuild",
        "Rebuild the whole query index from the documents.",
    ),
    // The working-day calendar.
    (
        "calendar",
        "The working-day calendar: public holidays, Tet, days off in lieu, Saturdays worked, which every deadline counts by",
    ),
    (
        "calendar list",
        "Show a year's days off: public holidays, Tet, days off in lieu, Saturdays worked, and the source of each day (law, lunar calendar, office).",
    ),
    ("calendar list --year", "Year (default: this year)"),
    (
        "calendar add",
        "Record a day off (--off) or a working day (--work, e.g. a Saturday worked in exchange) as decided by the Government or the ward; it replaces that day's default.",
    ),
    ("calendar add <date>", "Date, dd/mm/yyyy"),
    ("calendar add --off", "The office is closed that day"),
    (
        "calendar add --work",
        "The office works that day (a Saturday worked in exchange, or a default holiday moved away)",
    ),
    (
        "calendar add --note",
        "Note: the decision it follows, the day exchanged",
    ),
    (
        "calendar remove",
        "Remove the office's entry for a day: the day goes back to the default calendar.",
    ),
    ("calendar remove <date>", "Date, dd/mm/yyyy"),
    (
        "calendar confirm",
        "Confirm that the whole year's calendar matches the Government's decisions. A deadline counted through a year not confirmed is marked \"calendar of year ... not confirmed by the office\".",
    ),
    ("calendar confirm --year", "Year to confirm"),
    ("calendar confirm --note", "Note: the decision it follows"),
    (
        "calendar confirm --undo",
        "Withdraw the confirmation (when the year's decision changes)",
    ),
];
