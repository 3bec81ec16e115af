//! The validation tables as Rust statics (`validation.rs` in OUT_DIR, included by
//! `model/src/validate/tables.rs`, which defines the row types).
//!
//! Rows are plain literals of integers and `&str`s, and nodes are laid out so that each
//! element's children (and its slices) are contiguous: an element refers to them as
//! `(start, len)` ranges, which keeps both the text and the compile time small.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write;

use super::tree::{Availability, MANY};
use super::Tables;

/// Sentinel for "no element" in `content_ref`.
const NONE: u32 = u32::MAX;

struct Interner<K: Ord + Clone> {
    rows: Vec<K>,
    index: BTreeMap<K, usize>,
}

impl<K: Ord + Clone> Interner<K> {
    /// Row 0 is `zero` (meaning "none").
    fn new(zero: K) -> Self {
        let mut i = Interner { rows: Vec::new(), index: BTreeMap::new() };
        i.get(zero);
        i
    }

    fn get(&mut self, k: K) -> usize {
        if let Some(&i) = self.index.get(&k) {
            return i;
        }
        self.rows.push(k.clone());
        self.index.insert(k, self.rows.len() - 1);
        self.rows.len() - 1
    }
}

/// All element strings in one literal: a reference is (start, length).
#[derive(Default)]
struct Pool {
    text: String,
    index: HashMap<String, (usize, usize)>,
}

impl Pool {
    fn get(&mut self, s: &str) -> (usize, usize) {
        if let Some(&r) = self.index.get(s) {
            return r;
        }
        let r = (self.text.len(), s.len());
        self.text.push_str(s);
        self.index.insert(s.to_string(), r);
        r
    }
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn opt(s: &Option<String>) -> String {
    lit(s.as_deref().unwrap_or(""))
}

/// Extra facts, shared by the few elements that have any.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Extra {
    slicing: usize,
    binding: usize,
    served_binding: usize,
    served_min: u32,
    served_max: u32,
    fixed: String,
    served_fixed: String,
    pattern: String,
    url: String,
    served_url: String,
    deviation: usize,
    served_types: usize,
}

/// The fields of an element row, in column order, with what each holds.
const ELEMENT_COLUMNS: &[(&str, &str)] = &[
    ("NAME_START", "The JSON name: start in `ELEMENT_STRINGS`."),
    ("NAME_LEN", "The JSON name: length."),
    ("PATH_START", "The element path: start in `ELEMENT_STRINGS`."),
    ("PATH_LEN", "The element path: length."),
    ("SLICE_START", "The slice name: start in `ELEMENT_STRINGS`."),
    ("SLICE_LEN", "The slice name: length (0: none)."),
    ("FLAGS", "Bits: `CHOICE`, `ARRAY`, `PUBLISHED_ONLY`, `SERVED_ONLY`."),
    ("MIN", "The published minimum."),
    ("MAX", "The published maximum (`u32::MAX`: many)."),
    ("TYPES", "The type list (index into `TYPES`)."),
    ("CHILDREN", "The first child (row index)."),
    ("CHILDREN_LEN", "How many children."),
    ("SLICES", "The first slice (row index)."),
    ("SLICES_LEN", "How many slices."),
    ("CONTENT_REF", "The element whose children stand for this one's, or `NONE`."),
    ("CONSTRAINTS", "The constraint list (index into `CONSTRAINT_LISTS`)."),
    ("EXTRA", "The row of `EXTRAS` (0: none)."),
];

/// The bits of an element's `FLAGS` column.
const FLAGS: &[(&str, u8)] = &[("CHOICE", 1), ("ARRAY", 2), ("PUBLISHED_ONLY", 4), ("SERVED_ONLY", 8)];

/// Writes the tables as Rust.
pub fn emit(t: &Tables) -> String {
    let nodes = &t.arena.nodes;
    // Layout: breadth first from each root, children then slices contiguous.
    let mut order: Vec<usize> = Vec::new();
    let mut index: HashMap<usize, u32> = HashMap::new();
    let mut queue = VecDeque::new();
    let place = |n: usize, order: &mut Vec<usize>, index: &mut HashMap<usize, u32>| {
        index.insert(n, order.len() as u32);
        order.push(n);
    };
    for s in &t.structures {
        place(s.root, &mut order, &mut index);
        queue.push_back(s.root);
        while let Some(n) = queue.pop_front() {
            for &c in nodes[n].children.iter().chain(&nodes[n].slices) {
                place(c, &mut order, &mut index);
                queue.push_back(c);
            }
        }
    }

    let mut types = Interner::new(Vec::<(String, String, Vec<String>)>::new());
    let mut constraint_lists = Interner::new(Vec::<String>::new());
    let mut slicings = Interner::new((String::new(), String::new(), false));
    let mut bindings = Interner::new((String::new(), String::new()));
    let mut extras = Interner::new(Extra {
        slicing: 0,
        binding: 0,
        served_binding: 0,
        served_min: 0,
        served_max: 0,
        fixed: String::new(),
        served_fixed: String::new(),
        pattern: String::new(),
        url: String::new(),
        served_url: String::new(),
        deviation: 0,
        served_types: 0,
    });

    let mut elements = String::new();
    let mut pool = Pool::default();
    for &n in &order {
        let node = &nodes[n];
        let type_list: Vec<(String, String, Vec<String>)> = node
            .types
            .iter()
            .map(|ty| (ty.code.clone(), ty.profile.clone().unwrap_or_default(), ty.target_profiles.clone()))
            .collect();
        let types_at = if type_list.is_empty() { 0 } else { types.get(type_list) };
        // Served types keep the published types' length out of the row: the list says it.
        let served_types = node
            .served
            .types
            .as_ref()
            .map_or(0, |codes| types.get(codes.iter().map(|c| (c.clone(), String::new(), Vec::new())).collect()));
        let constraints_at =
            if node.constraints.is_empty() { 0 } else { constraint_lists.get(node.constraints.clone()) };
        let slicing =
            node.slicing.as_ref().map_or(0, |s| slicings.get((s.discriminators.join(","), s.rules.clone(), s.ordered)));
        let binding = node.binding.as_ref().map_or(0, |b| bindings.get((b.strength.clone(), b.value_set.clone())));
        let served_binding = match (&node.served.value_set, &node.binding) {
            (Some(vs), Some(b)) => bindings.get((b.strength.clone(), vs.clone())),
            (Some(vs), None) => bindings.get(("required".into(), vs.clone())),
            (None, _) => binding,
        };
        let extra = Extra {
            slicing,
            binding,
            served_binding,
            served_min: node.served.min.unwrap_or(node.min),
            served_max: node.served.max.unwrap_or(node.max),
            fixed: node.fixed.as_ref().map(|f| f.json.clone()).unwrap_or_default(),
            served_fixed: node
                .served
                .fixed
                .as_ref()
                .or(node.fixed.as_ref())
                .map(|f| f.json.clone())
                .unwrap_or_default(),
            pattern: node.pattern.as_ref().map(|f| f.json.clone()).unwrap_or_default(),
            url: node.url.clone().unwrap_or_default(),
            served_url: node.served.url.clone().or_else(|| node.url.clone()).unwrap_or_default(),
            deviation: node.served.deviation.map_or(0, |d| d + 1),
            served_types,
        };
        let plain = extra.slicing == 0
            && extra.binding == 0
            && extra.served_binding == 0
            && extra.served_min == node.min
            && extra.served_max == node.max
            && extra.fixed.is_empty()
            && extra.pattern.is_empty()
            && extra.url.is_empty()
            && extra.served_url.is_empty()
            && extra.deviation == 0
            && extra.served_types == 0;
        let extra_at = if plain { 0 } else { extras.get(extra) };
        let flag = |name: &str| FLAGS.iter().find(|(n, _)| *n == name).map_or(0, |(_, bit)| *bit);
        let mut flags = 0u8;
        if node.choice {
            flags |= flag("CHOICE");
        }
        if node.array {
            flags |= flag("ARRAY");
        }
        match node.availability {
            Availability::Both => {}
            Availability::Published => flags |= flag("PUBLISHED_ONLY"),
            Availability::Served => flags |= flag("SERVED_ONLY"),
        }
        let first = |list: &[usize]| list.first().map_or(0, |c| index[c]);
        let content_ref = node.content_ref.map_or(NONE, |r| index[&r]);
        let name = pool.get(&node.name);
        let path = pool.get(&node.path);
        let slice = pool.get(node.slice_name.as_deref().unwrap_or_default());
        let value = |column: &str| -> usize {
            match column {
                "NAME_START" => name.0,
                "NAME_LEN" => name.1,
                "PATH_START" => path.0,
                "PATH_LEN" => path.1,
                "SLICE_START" => slice.0,
                "SLICE_LEN" => slice.1,
                "FLAGS" => usize::from(flags),
                "MIN" => node.min as usize,
                "MAX" => node.max as usize,
                "TYPES" => types_at,
                "CHILDREN" => first(&node.children) as usize,
                "CHILDREN_LEN" => node.children.len(),
                "SLICES" => first(&node.slices) as usize,
                "SLICES_LEN" => node.slices.len(),
                "CONTENT_REF" => content_ref as usize,
                "CONSTRAINTS" => constraints_at,
                "EXTRA" => extra_at,
                other => unreachable!("ELEMENT_COLUMNS names {other}, which no row value is for"),
            }
        };
        let row: Vec<usize> = ELEMENT_COLUMNS.iter().map(|(column, _)| value(column)).collect();
        let row: Vec<String> = row.iter().map(ToString::to_string).collect();
        let _ = writeln!(elements, "{},", row.join(","));
    }

    let mut out = String::new();
    out.push_str("// Generated by bluebutton-codegen (validation tables). Do not edit.\n\n");
    let _ = writeln!(out, "/// Every definition, sorted by url.\npub(crate) static STRUCTURES: &[Structure] = &[");
    for s in &t.structures {
        let _ = writeln!(
            out,
            "Structure{{url:{},name:{},type_:{},kind:{},ig:{},base:{},root:{}}},",
            lit(&s.url),
            lit(&s.name),
            lit(&s.type_),
            lit(&s.kind),
            s.ig,
            opt(&s.base),
            index[&s.root]
        );
    }
    out.push_str("];\n\n");
    // Elements as plain numbers and one string pool: a large array of struct literals costs
    // rustc far more than integers do. The column of each field is emitted with the rows, and
    // the runtime reads the rows by these names only, so the two cannot disagree.
    out.push_str("/// The column of each field in a row of `ELEMENT_ROWS`.\npub(crate) mod column {\n");
    for (i, (column, doc)) in ELEMENT_COLUMNS.iter().enumerate() {
        let _ = writeln!(out, "    /// {doc}\n    pub(crate) const {column}: usize = {i};");
    }
    out.push_str("}\n\n");
    let _ = writeln!(
        out,
        "/// Numbers per row of `ELEMENT_ROWS`.\npub(crate) const ELEMENT_FIELDS: usize = {};\n",
        ELEMENT_COLUMNS.len()
    );
    for (name, bit) in FLAGS {
        let _ = writeln!(out, "/// A bit of an element's `flags`.\npub(crate) const {name}: u8 = {bit};");
    }
    out.push('\n');
    out.push_str(
        "/// Every element node (children and slices contiguous), one row of numbers each, in the \
         columns of [`column`].\npub(crate) static ELEMENT_ROWS: &[u32] = &[\n",
    );
    out.push_str(&elements);
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// The strings of ELEMENT_ROWS.\npub(crate) static ELEMENT_STRINGS: &str = {};\n",
        lit(&pool.text)
    );

    // Type lists: flattened, each list contiguous; TYPES[0] is unused.
    let mut type_rows = String::from("TypeRef{code:\"\",root:NONE,targets:0,targets_len:0},\n");
    let mut targets: Vec<String> = vec![String::new()];
    let mut type_starts = vec![(0usize, 0usize)];
    let mut next = 1usize;
    for list in types.rows.iter().skip(1) {
        type_starts.push((next, list.len()));
        for (code, profile, tps) in list {
            let at = targets.len();
            targets.extend(tps.iter().cloned());
            let profile_or_core = if profile.is_empty() { None } else { Some(profile.as_str()) };
            let root = t.type_root(code, profile_or_core).map_or("NONE".to_string(), |r| index[&r].to_string());
            let _ = writeln!(
                type_rows,
                "TypeRef{{code:{},root:{root},targets:{},targets_len:{}}},",
                lit(code),
                if tps.is_empty() { 0 } else { at },
                tps.len()
            );
            next += 1;
        }
    }
    // Elements refer to type lists by interned id; map ids to row starts.
    let _ = writeln!(
        out,
        "/// (start, length) of each type list in TYPES, by list id.\npub(crate) static TYPE_LISTS: &[(u32, u16)] = &{type_starts:?};\n"
    );
    let _ = writeln!(out, "/// Types of elements.\npub(crate) static TYPES: &[TypeRef] = &[\n{type_rows}];\n");
    let _ = writeln!(out, "/// Target profiles of references.\npub(crate) static TARGETS: &[&str] = &[");
    for x in &targets {
        let _ = writeln!(out, "{},", lit(x));
    }
    out.push_str("];\n\n");

    let keys: Vec<&String> = t.arena.constraints.keys().collect();
    let _ = writeln!(out, "/// Every constraint, sorted by key.\npub(crate) static CONSTRAINTS: &[Constraint] = &[");
    for c in t.arena.constraints.values() {
        let _ = writeln!(
            out,
            "Constraint{{key:{},severity:{},expression:{}}},",
            lit(&c.key),
            lit(&c.severity),
            lit(&c.expression)
        );
    }
    out.push_str("];\n\n");
    let _ = writeln!(out, "/// Constraint lists (indexes into CONSTRAINTS), by list id; list 0 is empty.\npub(crate) static CONSTRAINT_LISTS: &[&[u16]] = &[");
    for list in &constraint_lists.rows {
        let ids: Vec<usize> = list.iter().filter_map(|k| keys.binary_search(&k).ok()).collect();
        let _ = writeln!(out, "&{ids:?},");
    }
    out.push_str("];\n\n");

    let _ = writeln!(out, "/// Slicings (discriminators, rules, ordered); row 0 is none.\npub(crate) static SLICINGS: &[(&str, &str, bool)] = &[");
    for (d, r, o) in &slicings.rows {
        let _ = writeln!(out, "({},{},{o}),", lit(d), lit(r));
    }
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// Bindings (strength, value set); row 0 is none.\npub(crate) static BINDINGS: &[(&str, &str)] = &["
    );
    for (s, v) in &bindings.rows {
        let _ = writeln!(out, "({},{}),", lit(s), lit(v));
    }
    out.push_str("];\n\n");
    let _ = writeln!(out, "/// Facts few elements have; row 0 is none.\npub(crate) static EXTRAS: &[Extra] = &[");
    for x in &extras.rows {
        let _ = writeln!(
            out,
            "Extra{{slicing:{},binding:{},served_binding:{},served_min:{},served_max:{},fixed:{},served_fixed:{},pattern:{},url:{},served_url:{},deviation:{},served_types:{}}},",
            x.slicing,
            x.binding,
            x.served_binding,
            x.served_min,
            max_lit(x.served_max),
            lit(&x.fixed),
            lit(&x.served_fixed),
            lit(&x.pattern),
            lit(&x.url),
            lit(&x.served_url),
            x.deviation,
            x.served_types
        );
    }
    out.push_str("];\n\n");

    let _ = writeln!(out, "/// Expanded value sets, sorted by url.\npub(crate) static VALUE_SETS: &[ValueSetDef] = &[");
    let mut includes = String::new();
    let mut include_count = 0usize;
    for v in &t.value_sets {
        let _ = writeln!(
            out,
            "ValueSetDef{{url:{},includes:{include_count},includes_len:{},served_variable:{}}},",
            lit(&v.value_set.url),
            v.value_set.includes.len(),
            opt(&v.served_variable)
        );
        for inc in &v.value_set.includes {
            let codes: Vec<String> = inc.codes.iter().map(|c| lit(c)).collect();
            let _ = writeln!(
                includes,
                "Include{{system:{},expandable:{},codes:&[{}]}},",
                lit(&inc.system),
                inc.expandable,
                codes.join(",")
            );
            include_count += 1;
        }
    }
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// The systems of each value set, codes sorted.\npub(crate) static INCLUDES: &[Include] = &[\n{includes}];\n"
    );
    let _ = writeln!(out, "/// The served errata (`profiles/errata/validation.json`); row 0 is none.\npub(crate) static ERRATA: &[Erratum] = &[\nErratum{{rule:\"\",evidence:\"\",content:&[]}},");
    for e in &t.errata {
        let rules: &[String] = match &e.change {
            crate::validation::errata::Change::ContentDeviation(rules) => rules,
            _ => &[],
        };
        let content: Vec<String> = rules.iter().map(|r| lit(r)).collect();
        let _ = writeln!(
            out,
            "Erratum{{rule:{},evidence:{},content:&[{}]}},",
            lit(&e.rule),
            lit(&e.evidence),
            content.join(",")
        );
    }
    out.push_str("];\n\n");
    let _ = writeln!(out, "/// Served CCW variables the field catalog places, and where it says so; sorted.\npub(crate) static KNOWN_FIELDS: &[(&str, &str)] = &[");
    for (v, s) in &t.known_fields {
        let _ = writeln!(out, "({},{}),", lit(v), lit(s));
    }
    out.push_str("];\n");
    out
}

fn max_lit(max: u32) -> String {
    if max == MANY {
        "MANY".into()
    } else {
        max.to_string()
    }
}
