//! How `summary` prints what it read: lines and a table, or one JSON object.
use std::fmt::Write as _;

use bluebutton::json::Writer;
use bluebutton::stream::InputKind;
use bluebutton::summary::ClaimStats;

use super::outcome::{Failed, Summary};

pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn size_text(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.2} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} bytes"),
    }
}

pub(super) fn text(s: &Summary) -> String {
    let mut out = String::new();
    for input in &s.inputs {
        let _ = write!(out, "{}: ", input.name);
        match (input.resource_type.as_deref(), &input.bundle_type) {
            _ if input.kind == Some(InputKind::Ndjson) => {
                let _ = write!(out, "NDJSON, {}", plural(input.entries, "resource", "resources"));
                if input.unreadable > 0 {
                    let _ = write!(out, ", {} unreadable", input.unreadable);
                }
            }
            (Some("Bundle"), bundle_type) => {
                let _ = write!(out, "Bundle");
                if let Some(t) = bundle_type {
                    let _ = write!(out, " ({t})");
                }
                let _ = write!(out, ", {}", plural(input.entries, "entry", "entries"));
                if let Some(total) = input.total {
                    let _ = write!(out, " (total {total})");
                }
                if input.unreadable > 0 {
                    let _ = write!(out, ", {} unreadable", input.unreadable);
                }
            }
            (Some(t), _) => {
                let _ = write!(out, "{t}");
                if input.unreadable > 0 {
                    let _ = write!(out, ", unreadable");
                }
            }
            (None, _) => {
                let _ = write!(out, "not read");
            }
        }
        let _ = writeln!(out, ", {}", size_text(input.bytes));
    }
    let mut kinds: Vec<String> = s.totals.resources.iter().map(|(t, n)| format!("{n} {t}")).collect();
    let unreadable: u64 = s.inputs.iter().map(|i| i.unreadable).sum();
    if unreadable > 0 {
        kinds.push(format!("{unreadable} unreadable"));
    }
    let _ = write!(
        out,
        "{} in {}",
        plural(s.entries, "resource", "resources"),
        plural(s.inputs.len() as u64, "input", "inputs")
    );
    if !kinds.is_empty() {
        let _ = write!(out, ": {}", kinds.join(", "));
    }
    out.push('\n');
    let per_kind: Vec<String> = s
        .totals
        .by_kind
        .iter()
        .map(|(k, c)| format!("{} {} ({})", k.name(), c.claims, plural(c.lines, "line", "lines")))
        .collect();
    let _ = write!(
        out,
        "{} ({})",
        plural(s.totals.all.claims, "claim", "claims"),
        plural(s.totals.all.lines, "line", "lines")
    );
    if !per_kind.is_empty() {
        let _ = write!(out, ": {}", per_kind.join(", "));
    }
    out.push('\n');
    if s.totals.all.claims > 0 {
        out.push('\n');
        let rows: Vec<(&str, &ClaimStats)> = s
            .totals
            .by_kind
            .iter()
            .map(|(k, c)| (k.name(), c))
            .chain(std::iter::once(("total", &s.totals.all)))
            .collect();
        let pay: Vec<String> = rows.iter().map(|(_, c)| c.payment_text().unwrap_or_else(|| "-".into())).collect();
        let pay_width = pay.iter().map(String::len).max().unwrap_or(0).max("payment".len());
        let mut table = format!(
            "{:<10} {:>8} {:>8}  {:>pay_width$} {:>8}  {:<13}  {:<13}\n",
            "claim type", "claims", "lines", "payment", "paid", "first service", "last service"
        );
        for ((name, c), pay) in rows.iter().zip(&pay) {
            let _ = writeln!(
                table,
                "{:<10} {:>8} {:>8}  {:>pay_width$} {:>8}  {:<13}  {:<13}",
                name,
                c.claims,
                c.lines,
                pay,
                c.paid_claims,
                c.first.as_deref().unwrap_or("-"),
                c.last.as_deref().unwrap_or("-"),
            );
        }
        for line in table.lines() {
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    let count = |failed| s.errors.iter().filter(|e| e.failed == failed).count() as u64;
    let (entries, resources, bundle) = (count(Failed::Entry), count(Failed::Resource), count(Failed::Bundle));
    if entries + resources > 0 {
        let mut what = Vec::new();
        if entries > 0 {
            what.push(plural(entries, "entry", "entries"));
        }
        if resources > 0 {
            what.push(plural(resources, "resource", "resources"));
        }
        let verb = if entries + resources == 1 { "was" } else { "were" };
        let _ = writeln!(
            out,
            "\n{} could not be read and {verb} left out (see the ERROR lines on stderr)",
            what.join(" and ")
        );
    }
    if bundle > 0 {
        let _ = writeln!(
            out,
            "{} in the Bundles themselves (see the ERROR lines on stderr)",
            plural(bundle, "error", "errors")
        );
    }
    out
}

fn json_claims(w: &mut Writer, c: &ClaimStats) {
    w.begin_object();
    w.key("claims");
    w.display(c.claims);
    w.key("lines");
    w.display(c.lines);
    w.key("payment");
    match c.payment_text() {
        Some(p) if !c.overflow => w.raw(&p),
        Some(p) => w.string(&p),
        None => w.null(),
    }
    w.key("paid_claims");
    w.display(c.paid_claims);
    for (key, date) in [("first_date", &c.first), ("last_date", &c.last)] {
        w.key(key);
        match date {
            Some(d) => w.string(d),
            None => w.null(),
        }
    }
    w.end_object();
}

pub(super) fn json_text(s: &Summary) -> String {
    let mut w = Writer::pretty(2);
    w.begin_object();
    w.key("inputs");
    w.begin_array();
    for input in &s.inputs {
        w.begin_object();
        w.key("name");
        w.string(&input.name);
        w.key("kind");
        match input.kind {
            Some(InputKind::Bundle) => w.string("bundle"),
            Some(InputKind::Resource) => w.string("resource"),
            Some(InputKind::Ndjson) => w.string("ndjson"),
            None => w.null(),
        }
        w.key("resource_type");
        match &input.resource_type {
            Some(t) => w.string(t),
            None => w.null(),
        }
        if let Some(t) = &input.bundle_type {
            w.key("bundle_type");
            w.string(t);
        }
        if let Some(t) = input.total {
            w.key("total");
            w.display(t);
        }
        w.key("entries");
        w.display(input.entries);
        w.key("unreadable");
        w.display(input.unreadable);
        w.key("bytes");
        w.display(input.bytes);
        w.end_object();
    }
    w.end_array();
    w.key("entries");
    w.display(s.entries);
    w.key("resources");
    w.begin_object();
    for (t, n) in &s.totals.resources {
        w.key(t);
        w.display(n);
    }
    w.end_object();
    w.key("claims");
    json_claims(&mut w, &s.totals.all);
    w.key("by_claim_type");
    w.begin_object();
    for (k, c) in &s.totals.by_kind {
        w.key(k.name());
        json_claims(&mut w, c);
    }
    w.end_object();
    w.key("errors");
    w.begin_array();
    for e in &s.errors {
        w.begin_object();
        w.key("input");
        w.string(&e.input);
        w.key("failed");
        w.string(match e.failed {
            Failed::Entry => "entry",
            Failed::Resource => "resource",
            Failed::Bundle => "bundle",
            Failed::Io => "io",
        });
        w.key("index");
        match e.index {
            Some(i) => w.display(i),
            None => w.null(),
        }
        w.key("path");
        match &e.path {
            Some(p) => w.string(p),
            None => w.null(),
        }
        w.key("message");
        w.string(&e.message);
        if let Some((line, column)) = e.line_column {
            w.key("line");
            w.display(line);
            w.key("column");
            w.display(column);
        }
        w.end_object();
    }
    w.end_array();
    w.end_object();
    let mut text = w.into_string();
    text.push('\n');
    text
}
