//! The English descriptions of `doithoai-server`'s commands and flags, for `--lang en` (see
//! `doithoai_clilang::HelpTable`); the Vietnamese ones are the doc comments in `main.rs`, whose
//! examples ("Ví dụ:") are carried over unless a text here gives its own.

use doithoai_clilang::HelpTable;

pub const HELP_EN: &HelpTable = &[
    (
        "",
        "doithoai-server: the ward's sync server. Runs with no configuration: data in ./data (SQLite), listening on 127.0.0.1:8800.\n\nExamples:\n  doithoai-server                                   run the server\n  doithoai-server ward create --id dinh-ke --name \"Phường Dĩnh Kế\"\n  doithoai-server backup /media/usb/doithoai-2026-11-28.sqlite3",
    ),
    (
        "--data-dir",
        "The server's data directory (database, admin.secret)",
    ),
    (
        "--listen",
        "Address and port to listen on, e.g. 0.0.0.0:8800 to open it to the LAN",
    ),
    (
        "--lang",
        "Language of messages: vi (Vietnamese) or en (English)",
    ),
    (
        "--tls-cert",
        "TLS certificate file (PEM, with its intermediates) for a ward with a domain; goes with --tls-key. Without it the server uses the self-signed certificate in its data directory",
    ),
    (
        "--tls-key",
        "Private key file of the TLS certificate (PEM); goes with --tls-cert",
    ),
    (
        "--tls-name",
        "A name or IP address the self-signed certificate is made for (repeat it, or separate with commas); default: the machine's name, localhost, 127.0.0.1, ::1. Only used when the certificate is first made",
    ),
    (
        "--advertise",
        "The address devices use to reach this server, when the ward runs several servers on one PostgreSQL, e.g. https://node2.ward.example:8800: sent to devices at enrolment so that they move to another when one stops answering",
    ),
    (
        "--plain-http",
        "Serve plain HTTP without TLS: only behind a reverse proxy (nginx, caddy) on the same machine that does TLS (see README)",
    ),
    ("--ward", "Ward id (see: doithoai-server ward list)"),
    ("--json", "Print as JSON (for scripts) instead of a table"),
    (
        "serve",
        "Run the server (the default when no command is given).",
    ),
    ("ward", "Wards: create, list."),
    ("ward create", "Create a ward."),
    (
        "ward create --id",
        "Ward id: lower-case letters without diacritics, digits, hyphens (dinh-ke)",
    ),
    ("ward create --name", "Ward name, with diacritics"),
    ("ward list", "List the wards."),
    (
        "point",
        "Intake points: residential groups, organisations, office desks.",
    ),
    ("point add", "Add an intake point."),
    (
        "point add --kind",
        "Kind of point: tdp (residential group), org (organisation) or office",
    ),
    (
        "point add --id",
        "Point id: lower-case letters without diacritics, digits, hyphens (tdp-03)",
    ),
    ("point add --name", "Point name, with diacritics"),
    ("point list", "List a ward's intake points."),
    (
        "device",
        "Devices: add (prints a one-time enrolment code), list, revoke.",
    ),
    (
        "device add",
        "Add a device and print its one-time enrolment code.",
    ),
    (
        "device add --role",
        "Role: office, collector (intake point), monitor (Fatherland Front)",
    ),
    (
        "device add --point",
        "Intake point (required for a collector)",
    ),
    (
        "device add --name",
        "Device name, to recognise it in the list",
    ),
    ("device list", "List the devices."),
    (
        "device revoke",
        "Revoke a device: its access token is refused and its open connections are closed within a second.",
    ),
    (
        "device revoke <id>",
        "Device id (first column of doithoai-server device list)",
    ),
    (
        "doc",
        "Registered documents (with their heads), to check syncing.",
    ),
    (
        "doc list",
        "List a ward's documents with the heads on disk (JSON).",
    ),
    (
        "backup",
        "Back up all the data to one file (works while the server runs).\n\nThe file's folder must exist; an existing file is not overwritten without --force.",
    ),
    (
        "backup <file>",
        "Backup file to create (in an existing folder)",
    ),
    (
        "backup --force",
        "Overwrite an existing backup file of the same name",
    ),
    (
        "restore",
        "Restore from a backup file (the server must be stopped).\n\nThe file is checked first (it must be a doithoai-server backup holding at least one ward); the data in use is kept aside in a file of its own.",
    ),
    ("restore <file>", "Backup file made by the backup command"),
    (
        "--database",
        "A PostgreSQL database to use instead of the SQLite file in the data directory, e.g. postgres://doithoai:password@db.ward.vn/doithoai",
    ),
    (
        "migrate",
        "Copy everything (registry, documents) from a SQLite data directory to PostgreSQL, then check it.\n\nThe source server must be stopped; the target database must hold no data yet. After the copy, the rows of every table and the heads of every document are compared on both sides.",
    ),
    (
        "migrate --from",
        "The source server's data directory (holding doithoai-server.sqlite3)",
    ),
    (
        "migrate --to",
        "The target PostgreSQL database (postgres://…)",
    ),
];
