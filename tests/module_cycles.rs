//! No import cycles between the modules of `bluebutton-model` (`model/src`).
//!
//! A module depends on another when it names something defined there: a `use` declaration
//! (`use super::error::Error`, `use crate::json::Value`, `use child::Item` in a `mod.rs`), a
//! fully qualified path in code (`crate::codes::variable(..)`, `super::engine::as_object`,
//! `$crate::primitives::PrimitiveError` in a macro), or a name that a `pub use` brings into the
//! module and the module's own code then uses. A `pub use` alone is a re-export, not a
//! dependency: a path through a re-export is followed to the module that defines the item
//! (`crate::json::Error` is `json/error.rs`), so a facade `mod.rs` that only re-exports its
//! children depends on none of them. Inline modules (`mod tests { use super::*; }`) belong to
//! their file, and `super` inside them is the file's own module.
//!
//! The nodes are the files of `model/src` (`lib.rs` is the crate root, `x/mod.rs` is module
//! `x`). Code generated into `OUT_DIR` (`crate::resources`, `crate::types`, `crate::codes`) is
//! outside this check: a path into it ends at the crate root, which names nothing else.
//!
//! The scanner is deliberately small (comments and literals removed, a token stream, a stack of
//! inline modules); the fixtures below pin down what it must and must not call a cycle.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module path from the crate root (`["json", "error"]`); the crate root is `[]`.
type ModPath = Vec<String>;

/// The modules that reach each other (a strongly connected component of two or more), and one
/// cycle among them: each module with the evidence that it uses the next.
struct Cycle {
    modules: BTreeSet<ModPath>,
    steps: Vec<(ModPath, String)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    /// `::`
    Sep,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

/// Removes comments and string, byte-string, raw-string and char literals (keeping newlines),
/// then splits the rest into identifiers, `::` and single punctuation characters.
fn tokenize(src: &str) -> Vec<Token> {
    let b: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let skip_to = |from: usize, to: usize, line: &mut usize| {
        *line += b[from..to.min(b.len())].iter().filter(|&&c| c == '\n').count();
        to
    };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j] == '/' && b.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == '*' && b.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            i = skip_to(i, j, &mut line);
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && matches!(b.get(i + if c == 'b' { 2 } else { 1 }), Some('#') | Some('"'))
            && (i == 0 || !is_ident_char(b[i - 1]))
        {
            // A raw string: r"..", r#".."#, br#".."#.
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                // `r#ident`: a raw identifier.
                let start = j;
                while j < b.len() && is_ident_char(b[j]) {
                    j += 1;
                }
                out.push(Token { tok: Tok::Ident(b[start..j].iter().collect()), line });
                i = j;
                continue;
            }
            j += 1;
            'raw: while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break 'raw;
                }
                j += 1;
            }
            i = skip_to(i, j, &mut line);
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            while j < b.len() && b[j] != '"' {
                j += if b[j] == '\\' { 2 } else { 1 };
            }
            i = skip_to(i, j + 1, &mut line);
        } else if c == '\'' || (c == 'b' && next == Some('\'')) {
            // A char literal ('x', '\n', b'x') or a lifetime ('a).
            let j = if c == 'b' { i + 1 } else { i };
            if b.get(j + 1) == Some(&'\\') {
                let mut k = j + 3;
                while k < b.len() && b[k] != '\'' {
                    k += 1;
                }
                i = k + 1;
            } else if b.get(j + 2) == Some(&'\'') {
                i = j + 3;
            } else {
                // A lifetime: skip the quote; the name is an identifier of no interest.
                i = j + 1;
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
            }
        } else if is_ident_char(c) {
            let start = i;
            while i < b.len() && is_ident_char(b[i]) {
                i += 1;
            }
            out.push(Token { tok: Tok::Ident(b[start..i].iter().collect()), line });
        } else if c == ':' && next == Some(':') {
            out.push(Token { tok: Tok::Sep, line });
            i += 2;
        } else if c == '$' && b[i + 1..].starts_with(&['c', 'r', 'a', 't', 'e']) {
            // `$crate` in a macro is `crate`.
            i += 1;
        } else {
            out.push(Token { tok: Tok::Punct(c), line });
            i += 1;
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// One leaf of a `use` tree: the path as written and the name it brings into scope
/// (`None` for a glob).
#[derive(Debug, Clone)]
struct UseLeaf {
    path: Vec<String>,
    name: Option<String>,
}

/// Expands a `use` tree (the tokens between `use` and `;`) into its leaves.
fn use_leaves(toks: &[Tok]) -> Vec<UseLeaf> {
    fn tree(toks: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<UseLeaf>) {
        let mut path = prefix.to_vec();
        loop {
            match toks.get(*i) {
                Some(Tok::Ident(id)) => {
                    *i += 1;
                    if id == "self" && !prefix.is_empty() && path == prefix {
                        // `a::{self, ..}`: the module itself, named by its last segment.
                        let name = path.last().cloned();
                        maybe_alias(toks, i, path.clone(), name, out);
                        return;
                    }
                    path.push(id.clone());
                    if toks.get(*i) == Some(&Tok::Sep) {
                        *i += 1;
                        continue;
                    }
                    let name = path.last().cloned();
                    maybe_alias(toks, i, path, name, out);
                    return;
                }
                Some(Tok::Punct('*')) => {
                    *i += 1;
                    out.push(UseLeaf { path, name: None });
                    return;
                }
                Some(Tok::Punct('{')) => {
                    *i += 1;
                    loop {
                        match toks.get(*i) {
                            Some(Tok::Punct('}')) => {
                                *i += 1;
                                return;
                            }
                            Some(Tok::Punct(',')) => *i += 1,
                            None => return,
                            _ => {
                                let before = *i;
                                tree(toks, i, &path, out);
                                // Skip what no tree starts with, rather than loop on it.
                                *i = (*i).max(before + 1);
                            }
                        }
                    }
                }
                Some(Tok::Sep) => *i += 1, // a leading `::`
                _ => return,
            }
        }
    }
    fn maybe_alias(toks: &[Tok], i: &mut usize, path: Vec<String>, name: Option<String>, out: &mut Vec<UseLeaf>) {
        if toks.get(*i) == Some(&Tok::Ident("as".into())) {
            if let Some(Tok::Ident(alias)) = toks.get(*i + 1) {
                *i += 2;
                out.push(UseLeaf { path, name: Some(alias.clone()) });
                return;
            }
        }
        out.push(UseLeaf { path, name });
    }
    let mut out = Vec::new();
    let mut i = 0;
    tree(toks, &mut i, &[], &mut out);
    out
}

/// What one file says: its references (with the module they were written in and the line), its
/// top-level re-exports and definitions, and the identifiers its code uses outside `use`.
#[derive(Debug, Default)]
struct FileFacts {
    /// (module the path was written in, path as written, line)
    refs: Vec<(ModPath, Vec<String>, usize)>,
    /// Top-level `pub use` leaves: exported name (None for a glob) → path as written.
    reexports: Vec<UseLeaf>,
    /// Names defined at the top level (fn, struct, enum, trait, type, const, static, mod, macro).
    defined: BTreeSet<String>,
    /// Identifiers used outside `use` declarations.
    code_idents: BTreeSet<String>,
    /// Child modules declared inline (`mod tests { .. }`) anywhere: they are part of this file.
    inline_mods: BTreeSet<ModPath>,
}

const ITEM_KEYWORDS: &[&str] = &["fn", "struct", "enum", "trait", "type", "const", "static", "mod", "union"];

fn scan(module: &ModPath, src: &str) -> FileFacts {
    let toks = tokenize(src);
    let mut facts = FileFacts::default();
    // Inline modules: (name, brace depth inside their body).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let here = |inline: &[(String, usize)]| -> ModPath {
        let mut m = module.clone();
        m.extend(inline.iter().map(|(n, _)| n.clone()));
        m
    };
    let ident = |k: usize| match toks.get(k).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].tok {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(kw) if kw == "pub" && toks.get(i + 1).map(|t| &t.tok) == Some(&Tok::Punct('(')) => {
                // `pub(crate)`, `pub(in crate::x)`: a visibility, not a reference.
                let mut k = i + 2;
                while k < toks.len() && toks[k].tok != Tok::Punct(')') {
                    k += 1;
                }
                // Keep `pub` in front of what follows so `pub(crate) use` is a re-export.
                i = k;
                if let Some(Tok::Ident(next)) = toks.get(k + 1).map(|t| &t.tok) {
                    if next == "use" {
                        i = k + 1;
                        i = scan_use(&toks, i, true, depth == 0 && inline.is_empty(), &here(&inline), &mut facts);
                        continue;
                    }
                }
                i += 1;
            }
            Tok::Ident(kw) if kw == "use" => {
                let public = i > 0 && ident(i - 1) == Some("pub");
                i = scan_use(&toks, i, public, depth == 0 && inline.is_empty(), &here(&inline), &mut facts);
            }
            Tok::Ident(kw) if kw == "mod" && ident(i + 1).is_some() => {
                let name = ident(i + 1).unwrap().to_string();
                if depth == 0 && inline.is_empty() {
                    facts.defined.insert(name.clone());
                }
                if toks.get(i + 2).map(|t| &t.tok) == Some(&Tok::Punct('{')) {
                    depth += 1;
                    inline.push((name, depth));
                    facts.inline_mods.insert(here(&inline));
                    i += 3;
                } else {
                    i += 2;
                }
            }
            Tok::Ident(kw) if ITEM_KEYWORDS.contains(&kw.as_str()) && ident(i + 1).is_some() => {
                if depth == 0 && inline.is_empty() {
                    facts.defined.insert(ident(i + 1).unwrap().to_string());
                }
                i += 1;
            }
            Tok::Ident(kw) if kw == "macro_rules" && toks.get(i + 1).map(|t| &t.tok) == Some(&Tok::Punct('!')) => {
                if let Some(name) = ident(i + 2) {
                    facts.defined.insert(name.to_string());
                }
                i += 3;
            }
            Tok::Ident(first) => {
                // A path in code: `crate::a::b`, `super::x`, `self::x`, `child::x`.
                let line = toks[i].line;
                let mut path = vec![first.clone()];
                let mut k = i + 1;
                while toks.get(k).map(|t| &t.tok) == Some(&Tok::Sep) {
                    match ident(k + 1) {
                        Some(s) => path.push(s.to_string()),
                        None => break,
                    }
                    k += 2;
                }
                let preceded_by_sep = i > 0 && toks[i - 1].tok == Tok::Sep;
                if !preceded_by_sep {
                    facts.code_idents.insert(first.clone());
                    if path.len() > 1 {
                        facts.refs.push((here(&inline), path, line));
                    }
                }
                i = k.max(i + 1);
            }
            _ => i += 1,
        }
    }
    facts
}

/// Scans a `use` declaration starting at `toks[i]` (the `use` keyword); returns the index after
/// its `;`.
fn scan_use(toks: &[Token], i: usize, public: bool, top: bool, here: &ModPath, facts: &mut FileFacts) -> usize {
    let line = toks[i].line;
    let mut k = i + 1;
    while k < toks.len() && toks[k].tok != Tok::Punct(';') {
        k += 1;
    }
    let body: Vec<Tok> = toks[i + 1..k].iter().map(|t| t.tok.clone()).collect();
    for leaf in use_leaves(&body) {
        if public && top {
            facts.reexports.push(leaf);
        } else {
            facts.refs.push((here.clone(), leaf.path, line));
        }
    }
    k + 1
}

/// The module graph of a crate, built from its files (path relative to `src/` → text).
struct Graph {
    files: BTreeMap<ModPath, (String, FileFacts)>,
    /// from → to → first evidence (file:line and the path as written).
    edges: BTreeMap<ModPath, BTreeMap<ModPath, String>>,
}

fn module_of(rel: &str) -> ModPath {
    let rel = rel.trim_end_matches(".rs");
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib" || p == "main") {
        parts.pop();
    }
    parts
}

impl Graph {
    fn build(sources: &BTreeMap<String, String>) -> Graph {
        let mut files = BTreeMap::new();
        for (rel, text) in sources {
            let module = module_of(rel);
            let facts = scan(&module, text);
            files.insert(module, (rel.clone(), facts));
        }
        let mut graph = Graph { files, edges: BTreeMap::new() };
        let mut edges: Vec<(ModPath, ModPath, String)> = Vec::new();
        for (module, (rel, facts)) in &graph.files {
            for (written_in, path, line) in &facts.refs {
                let Some(abs) = graph.absolute(written_in, path) else { continue };
                let target = graph.resolve(&abs, &mut BTreeSet::new());
                edges.push((module.clone(), target, format!("{rel}:{line} `{}`", path.join("::"))));
            }
            // Names a `pub use` brings in and this file's code then uses.
            for leaf in &facts.reexports {
                let Some(name) = &leaf.name else { continue };
                if !facts.code_idents.contains(name) {
                    continue;
                }
                let Some(abs) = graph.absolute(module, &leaf.path) else { continue };
                let target = graph.resolve(&abs, &mut BTreeSet::new());
                edges.push((
                    module.clone(),
                    target,
                    format!("{rel}: uses `{name}` (pub use {})", leaf.path.join("::")),
                ));
            }
        }
        for (from, to, evidence) in edges {
            if from != to {
                graph.edges.entry(from).or_default().entry(to).or_insert(evidence);
            }
        }
        graph
    }

    /// The file module that `module` (possibly inside an inline module) belongs to.
    fn file_of(&self, module: &ModPath) -> ModPath {
        let mut m = module.clone();
        while !self.files.contains_key(&m) && !m.is_empty() {
            m.pop();
        }
        m
    }

    /// A path as written in `here`, made absolute; `None` for a path into another crate.
    fn absolute(&self, here: &ModPath, path: &[String]) -> Option<Vec<String>> {
        let mut base = here.clone();
        let mut rest = path;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            Some("super") => {
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            Some(first) => {
                // A relative path names a child module of `here` (file or inline) or nothing here.
                let mut child = here.clone();
                child.push(first.to_string());
                let file = self.file_of(here);
                let inline = self.files.get(&file).is_some_and(|(_, f)| f.inline_mods.contains(&child));
                if !self.files.contains_key(&child) && !inline {
                    return None;
                }
            }
            None => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file module that defines what the absolute `path` names, through re-exports.
    fn resolve(&self, path: &[String], seen: &mut BTreeSet<Vec<String>>) -> ModPath {
        let mut module: ModPath = Vec::new();
        let mut k = 0;
        while k < path.len() {
            let mut child = module.clone();
            child.push(path[k].clone());
            if self.files.contains_key(&child) {
                module = child;
                k += 1;
            } else {
                break;
            }
        }
        if k == path.len() || !seen.insert(path.to_vec()) {
            return module;
        }
        let name = &path[k];
        let Some((_, facts)) = self.files.get(&module) else { return module };
        if facts.defined.contains(name) {
            return module;
        }
        for leaf in &facts.reexports {
            if leaf.name.as_deref() == Some(name.as_str()) {
                if let Some(mut abs) = self.absolute(&module, &leaf.path) {
                    abs.extend(path[k + 1..].iter().cloned());
                    return self.resolve(&abs, seen);
                }
            }
        }
        for leaf in facts.reexports.iter().filter(|l| l.name.is_none()) {
            if let Some(mut abs) = self.absolute(&module, &leaf.path) {
                let source = self.resolve(&abs, &mut seen.clone());
                let exports = self.files.get(&source).is_some_and(|(_, f)| {
                    f.defined.contains(name) || f.reexports.iter().any(|l| l.name.as_deref() == Some(name.as_str()))
                });
                if exports {
                    abs.extend(path[k..].iter().cloned());
                    return self.resolve(&abs, seen);
                }
            }
        }
        module
    }

    /// Every cycle, one per strongly connected component of more than one module, each written
    /// as its modules in order with the evidence for each step.
    fn cycles(&self) -> Vec<Cycle> {
        let nodes: Vec<ModPath> = self.files.keys().cloned().collect();
        let mut cycles = Vec::new();
        let mut done: BTreeSet<ModPath> = BTreeSet::new();
        for start in &nodes {
            if done.contains(start) {
                continue;
            }
            // The component of `start`: reachable from it and reaching it.
            let forward = self.reachable(start, false);
            let backward = self.reachable(start, true);
            let component: BTreeSet<ModPath> = forward.intersection(&backward).cloned().collect();
            done.extend(component.iter().cloned());
            if component.len() > 1 {
                let steps = self.cycle_through(start, &component);
                cycles.push(Cycle { modules: component, steps });
            }
        }
        cycles
    }

    fn reachable(&self, start: &ModPath, reverse: bool) -> BTreeSet<ModPath> {
        let mut seen = BTreeSet::from([start.clone()]);
        let mut stack = vec![start.clone()];
        while let Some(m) = stack.pop() {
            let next: Vec<ModPath> = if reverse {
                self.edges.iter().filter(|(_, to)| to.contains_key(&m)).map(|(from, _)| from.clone()).collect()
            } else {
                self.edges.get(&m).map(|to| to.keys().cloned().collect()).unwrap_or_default()
            };
            for n in next {
                if seen.insert(n.clone()) {
                    stack.push(n);
                }
            }
        }
        seen
    }

    /// A shortest cycle from `start` back to it inside `component`.
    fn cycle_through(&self, start: &ModPath, component: &BTreeSet<ModPath>) -> Vec<(ModPath, String)> {
        let mut parent: BTreeMap<ModPath, ModPath> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        let mut last = None;
        'search: while let Some(m) = queue.pop_front() {
            for to in self.edges.get(&m).into_iter().flat_map(|t| t.keys()) {
                if !component.contains(to) {
                    continue;
                }
                if to == start {
                    last = Some(m.clone());
                    break 'search;
                }
                if !parent.contains_key(to) {
                    parent.insert(to.clone(), m.clone());
                    queue.push_back(to.clone());
                }
            }
        }
        let mut order = vec![last.expect("a component of two or more modules has a cycle")];
        while order.last() != Some(start) {
            let prev = parent[order.last().unwrap()].clone();
            order.push(prev);
        }
        order.reverse();
        (0..order.len())
            .map(|k| {
                let to = &order[(k + 1) % order.len()];
                (order[k].clone(), self.edges[&order[k]][to].clone())
            })
            .collect()
    }
}

fn show(module: &ModPath) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("::")
    }
}

fn describe(cycles: &[Cycle]) -> String {
    let mut text = String::new();
    for Cycle { modules: component, steps: cycle } in cycles {
        let names: Vec<String> = cycle.iter().map(|(m, _)| show(m)).collect();
        text.push_str(&format!("cycle: {} -> {}\n", names.join(" -> "), names[0]));
        for (m, evidence) in cycle {
            text.push_str(&format!("  {} uses the next: {evidence}\n", show(m)));
        }
        if component.len() > cycle.len() {
            let all: Vec<String> = component.iter().map(show).collect();
            text.push_str(&format!("  (one of the cycles among {})\n", all.join(", ")));
        }
    }
    text
}

fn read_tree(dir: &Path, rel: &str, out: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let rel_name = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if path.is_dir() {
            read_tree(&path, &rel_name, out);
        } else if name.ends_with(".rs") {
            out.insert(rel_name, std::fs::read_to_string(&path).unwrap());
        }
    }
}

fn sources(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()
}

#[test]
fn model_modules_import_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("model/src");
    let mut files = BTreeMap::new();
    read_tree(&src, "", &mut files);
    let graph = Graph::build(&files);
    // The scan sees the crate: every file, and the dependencies everyone knows are there.
    assert!(graph.files.len() >= 40, "{} files under {}", graph.files.len(), src.display());
    let depends = |from: &[&str], to: &[&str]| {
        let from: ModPath = from.iter().map(|s| s.to_string()).collect();
        let to: ModPath = to.iter().map(|s| s.to_string()).collect();
        graph.edges.get(&from).is_some_and(|t| t.contains_key(&to))
    };
    assert!(depends(&["json", "lexer"], &["json", "error"]), "json::lexer uses json::error");
    assert!(depends(&["validate", "version"], &["json", "value"]), "crate::json::Value is json/value.rs");
    let cycles = graph.cycles();
    assert!(cycles.is_empty(), "import cycles in model/src:\n{}", describe(&cycles));
}

#[test]
fn scanner_finds_a_cycle_through_super_and_a_facade() {
    let graph = Graph::build(&sources(&[
        ("lib.rs", "pub mod a;\npub mod b;"),
        ("a/mod.rs", "mod x;\nmod y;\npub use x::X;\npub fn top() -> X { X }"),
        // y uses x through the facade's re-export, x uses y by a path in code.
        ("a/x.rs", "/// super::y::nothing in a comment\npub struct X;\nfn f() { super::y::g(); }"),
        ("a/y.rs", "use super::X;\npub fn g() {}"),
        ("b.rs", "use crate::a::top;"),
    ]));
    let text = describe(&graph.cycles());
    assert!(text.contains("cycle: a::x -> a::y -> a::x"), "{text}");
    assert!(text.contains("a/y.rs:1 `super::X`"), "{text}");
    // The facade uses X (defined in x) in its own code: a -> x; x does not use a.
    assert!(!text.contains("cycle: a -> "), "{text}");
}

#[test]
fn scanner_sees_a_parent_and_child_cycle() {
    let graph = Graph::build(&sources(&[
        ("lib.rs", "mod v;"),
        ("v/mod.rs", "mod engine;\npub struct Finding;\nfn run() { engine::go(); }"),
        ("v/engine.rs", "use super::Finding;\npub(crate) fn go() {}"),
    ]));
    let text = describe(&graph.cycles());
    assert!(text.contains("cycle: v -> v::engine -> v"), "{text}");
}

#[test]
fn scanner_ignores_tests_modules_literals_and_other_crates() {
    let graph = Graph::build(&sources(&[
        ("lib.rs", "pub mod p;\npub mod q;"),
        (
            "p.rs",
            "use std::fmt;\npub fn f() -> &'static str { \"crate::q::g\" }\n#[cfg(test)]\nmod tests { use super::*; }",
        ),
        ("q.rs", "pub fn g() { let _ = crate::p::f(); let _c = '\"'; let _r = r#\"super::p\"#; }"),
    ]));
    assert!(graph.cycles().is_empty(), "{}", describe(&graph.cycles()));
    let q: ModPath = vec!["q".into()];
    let p: ModPath = vec!["p".into()];
    assert!(graph.edges[&q].contains_key(&p));
    assert!(!graph.edges.contains_key(&p), "p uses nothing in this crate: {:?}", graph.edges.get(&p));
}
