//! `cartbridge export`: a whole catalogue (products, categories, customers
//! or orders) to JSON Lines or CSV, paged through the native API with
//! keyset cursors, from the store on this machine or a remote bridge.
//!
//! Memory stays constant: one page is held at a time and written out
//! before the next is asked for. After every page the cursor and the
//! output's length go to `<output>.cursor`, so `--resume` after an
//! interruption cuts the output back to the last whole page and goes on
//! from there: no row twice, none missing. The progress bar goes to
//! standard error, and only when that is a terminal.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::io::{self, BufWriter, IsTerminal, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use lexopt::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::fetch::Url;
use super::remote::{client_key, native_request, ClientKey};
use super::{bridge_for, usage_error, Failure};
use crate::http::BufferedResponse;
use crate::store::{Bridge, SqlPolicy};

pub(super) const HELP: &str = "\
cartbridge export — a whole catalogue to JSON Lines or CSV

USAGE:
    cartbridge export <products|categories|customers|orders> [--store DIR | --url URL [--key-file F]]
                      [--format jsonl|csv] [--output FILE] [--resume] [--page-size N] [--max-pages N]

Pages through the native API (<entity>.list with page_cursor; the total
from <entity>.count) and writes one line per row: JSON Lines (default), or
CSV with a header from the first row's fields (lists and objects as JSON
in their cell). Without --url it reads the store on this machine (as
`cartbridge call` does); with --url it calls that bridge, signed with the
key from --key-file or CARTBRIDGE_KEY (see `cartbridge sign --help`).

--output FILE (default: standard output). While it runs, FILE.cursor holds
where it is; if the export stops (network, Ctrl-C, --max-pages), run the
same command with --resume to finish it. A progress bar is shown on
standard error when that is a terminal (coloured unless NO_COLOR is set).
--page-size N rows per call (1-250, default 250); --max-pages N stops
after N pages, leaving FILE.cursor to resume from (a trial run).

EXAMPLES:
    cartbridge export products --store /var/www/shop --output products.jsonl
    cartbridge export orders --url https://shop.example/bridge2cart/cartbridge --key-file ~/.erp.key --format csv --output orders.csv
    cartbridge export products --url https://shop.example/bridge2cart/cartbridge --output products.jsonl --resume

EXIT STATUS: 0 complete, 1 failed (resume with --resume), 2 wrong command line.
";

/// The entities that can be exported: command word, method prefix, the
/// list's field in `result`.
const ENTITIES: &[(&str, &str, &str)] = &[
    ("products", "product", "products"),
    ("categories", "category", "categories"),
    ("customers", "customer", "customers"),
    ("orders", "order", "orders"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Format {
    Jsonl,
    Csv,
}

/// Where an unfinished export stands: written after every page.
#[derive(Debug, Serialize, Deserialize)]
struct Checkpoint {
    entity: String,
    format: Format,
    /// The cursor of the next page.
    cursor: String,
    /// The output's length after the last whole page.
    bytes: u64,
    rows: u64,
    /// CSV columns, fixed by the first page.
    columns: Vec<String>,
}

/// Where pages come from.
enum Source {
    Local(Box<Bridge>),
    Remote(Url, ClientKey),
}

impl Source {
    /// The `result` of a call, or the bridge's reason for refusing it.
    fn call(&self, method: &str, pairs: Vec<(String, String)>) -> Result<Json, Failure> {
        let (status, body) = match self {
            Source::Local(bridge) => {
                let mut answer = BufferedResponse::default();
                let _ = crate::api::call_local(method, pairs, bridge, SqlPolicy::Read, &mut answer);
                (answer.status, answer.body)
            }
            Source::Remote(url, key) => {
                let response = native_request(url, key, method, &pairs, false)?.send()?;
                (response.status, response.body)
            }
        };
        let mut envelope: Json = serde_json::from_slice(&body).map_err(|_| {
            (
                1,
                format!(
                    "{method} answered {status} without a JSON envelope: {}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                ),
            )
        })?;
        if status != 200 || envelope["return_code"].as_i64() != Some(0) {
            return Err((
                1,
                format!(
                    "{method} failed ({status}): {}",
                    envelope["return_message"].as_str().unwrap_or("no message")
                ),
            ));
        }
        Ok(envelope["result"].take())
    }
}

struct Options {
    entity: (&'static str, &'static str, &'static str),
    format: Format,
    output: Option<PathBuf>,
    resume: bool,
    page_size: u32,
    max_pages: Option<u64>,
}

pub fn run(args: Vec<OsString>) -> Result<i32, Failure> {
    let mut parser = lexopt::Parser::from_args(args);
    let (mut entity, mut store, mut url, mut key_file) = (None, None, None, None);
    let mut format = Format::Jsonl;
    let (mut output, mut resume, mut page_size, mut max_pages) = (None, false, 250, None);
    while let Some(arg) = parser.next().map_err(usage_error)? {
        match arg {
            Long("store") => store = Some(PathBuf::from(parser.value().map_err(usage_error)?)),
            Long("url") => url = Some(parser.value().map_err(usage_error)?),
            Long("key-file") => {
                key_file = Some(PathBuf::from(parser.value().map_err(usage_error)?))
            }
            Long("format") => {
                format = match parser.value().map_err(usage_error)?.to_str() {
                    Some("jsonl") => Format::Jsonl,
                    Some("csv") => Format::Csv,
                    _ => return Err((2, "--format takes jsonl or csv".into())),
                }
            }
            Long("output") | Short('o') => {
                output = Some(PathBuf::from(parser.value().map_err(usage_error)?))
            }
            Long("resume") => resume = true,
            Long("page-size") => {
                page_size = number(parser.value().map_err(usage_error)?)
                    .filter(|n| (1..=250).contains(n))
                    .ok_or((2, "--page-size takes a number from 1 to 250".to_string()))?
                    as u32
            }
            Long("max-pages") => {
                max_pages = Some(
                    number(parser.value().map_err(usage_error)?)
                        .filter(|n| *n > 0)
                        .ok_or((2, "--max-pages takes a positive number".to_string()))?,
                )
            }
            Value(word) if entity.is_none() => {
                let word = word.to_string_lossy().into_owned();
                entity = Some(
                    ENTITIES
                        .iter()
                        .copied()
                        .find(|(name, _, _)| *name == word)
                        .ok_or((
                            2,
                            format!("cannot export '{word}': choose products, categories, customers or orders"),
                        ))?,
                );
            }
            other => return Err(usage_error(other.unexpected())),
        }
    }
    let entity = entity.ok_or((
        2,
        "export needs what to export, e.g. `cartbridge export products --output products.jsonl` (see `cartbridge export --help`)".to_string(),
    ))?;
    if resume && output.is_none() {
        return Err((
            2,
            "--resume needs --output FILE (the export to finish)".into(),
        ));
    }
    let source = match url {
        Some(url) => {
            let url = Url::parse(&url.to_string_lossy()).map_err(|e| (2, e))?;
            if store.is_some() {
                return Err((2, "give --store or --url, not both".into()));
            }
            Source::Remote(url, client_key(key_file.as_deref())?)
        }
        None => Source::Local(Box::new(bridge_for(store))),
    };
    let options = Options {
        entity,
        format,
        output,
        resume,
        page_size,
        max_pages,
    };
    export(&source, &options)
}

fn number(value: OsString) -> Option<u64> {
    value.to_str()?.parse().ok()
}

fn checkpoint_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".cursor");
    PathBuf::from(name)
}

/// Opens the output (cut back to the checkpoint when resuming) and says
/// where to start.
fn open_output(options: &Options) -> Result<(Box<dyn Write>, Option<Checkpoint>), Failure> {
    let Some(path) = &options.output else {
        return Ok((Box::new(io::stdout().lock()), None));
    };
    let state = checkpoint_path(path);
    let checkpoint = if options.resume {
        let text = std::fs::read_to_string(&state).map_err(|e| {
            (
                1,
                format!(
                    "nothing to resume: {} cannot be read ({e}); start without --resume",
                    state.display()
                ),
            )
        })?;
        let checkpoint: Checkpoint = serde_json::from_str(&text).map_err(|e| {
            (
                1,
                format!(
                    "{} is damaged ({e}); start again without --resume",
                    state.display()
                ),
            )
        })?;
        if checkpoint.entity != options.entity.0 || checkpoint.format != options.format {
            return Err((
                2,
                format!(
                    "{} is an export of {} as {:?}: resume it with the same entity and --format",
                    state.display(),
                    checkpoint.entity,
                    checkpoint.format
                ),
            ));
        }
        Some(checkpoint)
    } else {
        if state.exists() {
            return Err((
                1,
                format!("{} is left from an unfinished export: add --resume to finish it, or delete it to start again", state.display()),
            ));
        }
        None
    };
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(checkpoint.is_none())
        .open(path)
        .map_err(|e| (1, format!("cannot write {}: {e}", path.display())))?;
    if let Some(checkpoint) = &checkpoint {
        file.set_len(checkpoint.bytes)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
            .map_err(|e| (1, format!("cannot resume {}: {e}", path.display())))?;
    }
    Ok((Box::new(BufWriter::new(file)), checkpoint))
}

fn export(source: &Source, options: &Options) -> Result<i32, Failure> {
    let (name, prefix, list_field) = options.entity;
    let total = source.call(&format!("{prefix}.count"), Vec::new())?["count"].as_u64();
    let (mut out, checkpoint) = open_output(options)?;
    let (mut cursor, mut bytes, mut rows, mut columns) = match checkpoint {
        Some(c) => (Some(c.cursor), c.bytes, c.rows, c.columns),
        None => (None, 0, 0, Vec::new()),
    };
    let mut progress = Progress::new(total);
    let mut pages = 0;
    loop {
        let mut pairs = vec![("count".to_string(), options.page_size.to_string())];
        if let Some(cursor) = &cursor {
            pairs.push(("page_cursor".into(), cursor.clone()));
        }
        let mut result = source.call(&format!("{prefix}.list"), pairs)?;
        let Json::Array(page) = result[list_field].take() else {
            return Err((
                1,
                format!("{prefix}.list answered without a '{list_field}' list"),
            ));
        };
        let mut chunk = Vec::new();
        for row in &page {
            if options.format == Format::Csv && columns.is_empty() {
                columns = row
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                csv_line(&mut chunk, columns.iter().map(|c| Json::String(c.clone())));
            }
            match options.format {
                Format::Jsonl => {
                    serde_json::to_writer(&mut chunk, row).expect("JSON to memory");
                    chunk.push(b'\n');
                }
                Format::Csv => csv_line(&mut chunk, columns.iter().map(|c| row[c].clone())),
            }
        }
        out.write_all(&chunk)
            .and_then(|()| out.flush())
            .map_err(|e| (1, format!("cannot write the export: {e}")))?;
        bytes += chunk.len() as u64;
        rows += page.len() as u64;
        pages += 1;
        progress.show(rows);
        cursor = result["next_page_cursor"].as_str().map(str::to_string);
        let Some(next) = &cursor else { break };
        if let Some(path) = &options.output {
            save_checkpoint(
                path,
                &Checkpoint {
                    entity: name.to_string(),
                    format: options.format,
                    cursor: next.clone(),
                    bytes,
                    rows,
                    columns: columns.clone(),
                },
            )?;
        }
        if options.max_pages.is_some_and(|max| pages >= max) {
            progress.finish();
            eprintln!("cartbridge: stopped after {pages} pages ({rows} rows); run again with --resume to finish");
            return Ok(0);
        }
    }
    progress.finish();
    if let Some(path) = &options.output {
        let _ = std::fs::remove_file(checkpoint_path(path));
        eprintln!("cartbridge: exported {rows} {name} to {}", path.display());
    }
    Ok(0)
}

/// Written to a temporary file and renamed, so an interruption leaves the
/// old checkpoint or the new one, never half of one.
fn save_checkpoint(output: &Path, checkpoint: &Checkpoint) -> Result<(), Failure> {
    let path = checkpoint_path(output);
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let text = serde_json::to_string(checkpoint).expect("a checkpoint serializes");
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|e| (1, format!("cannot write {}: {e}", path.display())))
}

/// One CSV record (RFC 4180): strings as they are, null empty, lists and
/// objects as JSON; quoted when needed.
fn csv_line(out: &mut Vec<u8>, values: impl Iterator<Item = Json>) {
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let text = match value {
            Json::String(s) => s,
            Json::Null => String::new(),
            other => other.to_string(),
        };
        if text.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// The progress bar on standard error, drawn only on a terminal.
struct Progress {
    total: Option<u64>,
    on: bool,
    colour: bool,
}

impl Progress {
    fn new(total: Option<u64>) -> Progress {
        let on = io::stderr().is_terminal();
        let colour = on
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        Progress { total, on, colour }
    }

    fn show(&mut self, rows: u64) {
        if !self.on {
            return;
        }
        let line = match self.total.filter(|t| *t > 0) {
            Some(total) => {
                const WIDTH: u64 = 30;
                let done = (rows.min(total) * WIDTH / total) as usize;
                let bar = "#".repeat(done);
                let rest = "-".repeat(WIDTH as usize - done);
                let bar = if self.colour {
                    format!("\x1b[32m{bar}\x1b[0m{rest}")
                } else {
                    format!("{bar}{rest}")
                };
                format!(
                    "[{bar}] {rows}/{total} ({}%)",
                    rows.min(total) * 100 / total
                )
            }
            None => format!("{rows} rows"),
        };
        eprint!("\r{line}");
    }

    fn finish(&mut self) {
        if self.on {
            eprintln!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let mut out = Vec::new();
        csv_line(
            &mut out,
            [
                Json::from("plain"),
                Json::from("a,b"),
                Json::from("say \"hi\""),
                Json::Null,
                serde_json::json!(["1", "2"]),
            ]
            .into_iter(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",,\"[\"\"1\"\",\"\"2\"\"]\"\r\n"
        );
    }

    #[test]
    fn the_checkpoint_sits_next_to_the_output() {
        assert_eq!(
            checkpoint_path(Path::new("/tmp/p.jsonl")),
            PathBuf::from("/tmp/p.jsonl.cursor")
        );
    }
}
