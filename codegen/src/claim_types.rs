//! The claim types and their costs: one hand-written table
//! (`coding-systems/errata/claim-types.json`), read here, checked against the definitions and
//! the field catalog, and emitted as the runtime's claim-type table.
//!
//! The table names each claim type once: its Rust variant, the prefix of its ids, its code in
//! the claim type code system, its name in the data dictionary, its IG profile, the evidence,
//! and how the synthetic data generator shapes its claims. It also says which CCW variable
//! carries which cost (submitted, allowed, paid, ...) at which level; the roles are listed with
//! their meaning. What follows from the catalog is derived, not written: a claim type's levels
//! (the repeating elements its fields are on) and the cost variables it has (the table's
//! variables that are fields of the claim type at their level).
//!
//! [`ClaimTypes::emit`] writes `claim_types.rs`: the claim type enum and its facts. The view
//! emitter (`crate::views`) writes the per-type dispatch (the claim view and line enums, the
//! fields by level and the cost fields), from the same [`ClaimTypes`].
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Literal, Span};
use quote::quote;
use serde::Deserialize;

use crate::catalog::{Catalog, Level};
use crate::definitions::Definitions;

/// Where the table lives, relative to the workspace (or fixture) root.
pub const PATH: &str = "coding-systems/errata/claim-types.json";

/// The table as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Table {
    /// The code system of the claim type codings.
    pub eob_type_system: String,
    /// The resource every claim profile constrains.
    pub resource: String,
    pub claim_types: Vec<ClaimTypeDef>,
    pub cost_roles: Vec<CostRoleDef>,
    pub costs: Vec<CostDef>,
}

/// One claim type, as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimTypeDef {
    /// The Rust variant (`Carrier`).
    pub variant: String,
    /// The prefix of the ids (`carrier-…`), also the lower-case name.
    pub id_prefix: String,
    /// The code in the claim type code system (`CARRIER`).
    pub eob_type: String,
    /// The claim type as the data dictionary's `appliesTo` names it (`Carrier`, `DME`).
    pub dictionary: String,
    /// The IG profile of the claim type.
    pub profile: String,
    pub evidence: String,
    pub synthetic: Synthetic,
}

/// How the synthetic data generator shapes a claim of the type: choices, not facts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Synthetic {
    /// The NCH claim type codes (`nch_clm_type_cd`) a claim of the type gets, one drawn.
    pub nch_claim_types: Vec<String>,
    /// The FHIR `ex-claimtype` coding.
    pub fhir_claim_type: CodeDisplay,
    /// The Coverage (`part-a`...) the claim's insurance refers to.
    pub coverage: String,
    /// Days from the first to the last date of service, lowest and highest.
    pub span_days: [u32; 2],
    /// Number of lines, lowest and highest.
    pub lines: [u32; 2],
    /// Whether lines point at diagnoses (`diagnosisLinkId`).
    pub lines_link_diagnoses: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeDisplay {
    pub code: String,
    pub display: String,
}

/// A cost role and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostRoleDef {
    /// The role, in lower camel case (`medicarePaid`).
    pub role: String,
    pub meaning: String,
}

/// The level of a cost variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CostLevel {
    /// The claim.
    Root,
    /// A claim line (`item`).
    Item,
}

impl CostLevel {
    fn level(self) -> Level {
        match self {
            CostLevel::Root => Level::Root,
            CostLevel::Item => Level::Line,
        }
    }
}

/// Which variable carries which cost, at which level.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostDef {
    pub level: CostLevel,
    pub variable: String,
    pub role: String,
    pub evidence: String,
}

/// A claim type with what the catalog says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimType {
    pub def: ClaimTypeDef,
    /// The levels its fields are on (the root always).
    pub levels: BTreeSet<Level>,
    /// Its cost variables: level, role (upper camel case) and variable, in the table's order.
    pub costs: Vec<(Level, String, String)>,
}

/// The checked table, with each claim type's levels and cost variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimTypes {
    pub eob_type_system: String,
    pub resource: String,
    pub claim_types: Vec<ClaimType>,
    /// The roles (upper camel case) and their meaning, in the table's order.
    pub roles: Vec<(String, String)>,
}

/// A table that cannot be read, or facts that do not hold.
#[derive(Debug)]
pub struct ClaimTypeError(pub String);

impl fmt::Display for ClaimTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClaimTypeError {}

impl Table {
    /// Reads `<root>/coding-systems/errata/claim-types.json` (which must exist).
    pub fn load(root: &Path) -> Result<Table, ClaimTypeError> {
        let path = root.join(PATH);
        let text = fs::read_to_string(&path).map_err(|e| ClaimTypeError(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| ClaimTypeError(format!("{}: {e}", path.display())))
    }
}

impl ClaimTypes {
    /// The file [`ClaimTypes::load`] reads (for build scripts' `rerun-if-changed`).
    pub fn input_files(root: &Path) -> Vec<PathBuf> {
        vec![root.join(PATH)]
    }

    /// Loads the table and checks it against `defs` and `catalog` ([`ClaimTypes::build`]).
    pub fn load(root: &Path, defs: &Definitions, catalog: &Catalog) -> Result<ClaimTypes, ClaimTypeError> {
        let table = Table::load(root)?;
        ClaimTypes::build(table, defs, catalog).map_err(|problems| {
            ClaimTypeError(format!("{PATH}: {} problem(s):\n  {}", problems.len(), problems.join("\n  ")))
        })
    }

    /// Checks the table: names, prefixes, codes and profiles are unique; each profile is an IG
    /// definition of the claim resource; every cost role is listed, every cost variable is a
    /// field of some claim type at its level, and no claim type has two variables of one role
    /// at one level. Then derives each claim type's levels and cost variables from the catalog.
    pub fn build(table: Table, defs: &Definitions, catalog: &Catalog) -> Result<ClaimTypes, Vec<String>> {
        let mut problems = Vec::new();
        let mut seen: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        for ct in &table.claim_types {
            let facts = [
                ("variant", &ct.variant),
                ("idPrefix", &ct.id_prefix),
                ("eobType", &ct.eob_type),
                ("dictionary", &ct.dictionary),
                ("profile", &ct.profile),
            ];
            for (what, value) in facts {
                if let Some(other) = seen.insert((what, value.as_str()), &ct.variant) {
                    problems.push(format!("{}: {what} `{value}` is also {other}'s", ct.variant));
                }
            }
            if ct.variant.to_upper_camel_case() != ct.variant || ct.variant.is_empty() {
                problems.push(format!("{}: the variant is not an UpperCamelCase name", ct.variant));
            }
            if ct.id_prefix.is_empty() || !ct.id_prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
                problems.push(format!(
                    "{}: idPrefix `{}` is not lower-case letters and digits (ids are `<prefix>-<number>`)",
                    ct.variant, ct.id_prefix
                ));
            }
            match defs.ig.get(&ct.profile) {
                None => problems.push(format!("{}: profile {} is not an IG definition", ct.variant, ct.profile)),
                Some(sd) if sd.type_ != table.resource => problems.push(format!(
                    "{}: profile {} constrains {}, not {}",
                    ct.variant, ct.profile, sd.type_, table.resource
                )),
                Some(_) => {}
            }
            let [lo, hi] = ct.synthetic.lines;
            let [from, to] = ct.synthetic.span_days;
            if lo > hi || from > to || lo == 0 {
                problems
                    .push(format!("{}: synthetic lines or spanDays are not a range (at least one line)", ct.variant));
            }
        }
        let roles: Vec<(String, String)> =
            table.cost_roles.iter().map(|r| (r.role.to_upper_camel_case(), r.meaning.clone())).collect();
        let mut role_names = BTreeSet::new();
        for r in &table.cost_roles {
            if !role_names.insert(r.role.as_str()) {
                problems.push(format!("cost role `{}` is listed twice", r.role));
            }
        }
        for cost in &table.costs {
            if !role_names.contains(cost.role.as_str()) {
                problems.push(format!(
                    "{}: role `{}` is not one of the costRoles ({})",
                    cost.variable,
                    cost.role,
                    role_names.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        let mut claim_types = Vec::new();
        for def in &table.claim_types {
            let fields: Vec<_> = catalog
                .fields
                .iter()
                .filter(|f| f.resource == table.resource && f.claim_types.contains(&def.dictionary))
                .collect();
            let levels: BTreeSet<Level> = std::iter::once(Level::Root).chain(fields.iter().map(|f| f.level)).collect();
            let mut costs = Vec::new();
            for cost in &table.costs {
                let level = cost.level.level();
                if fields.iter().any(|f| f.level == level && f.variable == cost.variable) {
                    let role = cost.role.to_upper_camel_case();
                    if let Some((_, _, other)) = costs.iter().find(|(l, r, _)| *l == level && *r == role) {
                        problems.push(format!(
                            "{}: {} and {other} both play `{}` at the {level:?} level",
                            def.variant, cost.variable, cost.role
                        ));
                    }
                    costs.push((level, role, cost.variable.clone()));
                }
            }
            claim_types.push(ClaimType { def: def.clone(), levels, costs });
        }
        // A cost variable no claim type has at its level is a mistake in the table (or a field
        // the catalog lost); a definition set without a catalog (the generator's fixtures) has
        // no fields to check against.
        if !catalog.fields.is_empty() {
            for cost in &table.costs {
                let used = claim_types.iter().any(|ct| ct.costs.iter().any(|(_, _, v)| *v == cost.variable));
                if !used {
                    problems.push(format!(
                        "{}: no claim type has this variable at the {:?} level",
                        cost.variable,
                        cost.level.level()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(ClaimTypes { eob_type_system: table.eob_type_system, resource: table.resource, claim_types, roles })
        } else {
            Err(problems)
        }
    }

    /// `claim_types.rs`: the claim type enum (one variant per claim type, in the table's
    /// order), `ALL`, and `CLAIM_TYPES`, the facts of each as `ClaimTypeInfo` (a struct the
    /// runtime declares, filled by field name).
    pub fn emit(&self) -> String {
        let system = &self.eob_type_system;
        let resource = &self.resource;
        let variants: Vec<Ident> = self.claim_types.iter().map(|ct| ident(&ct.def.variant)).collect();
        let variant_docs = self.claim_types.iter().map(|ct| {
            format!(
                " {} claims: ids `{}-…`, code `{}`, profile `{}`.",
                ct.def.dictionary, ct.def.id_prefix, ct.def.eob_type, ct.def.profile
            )
        });
        let count = Literal::usize_unsuffixed(self.claim_types.len());
        let infos = self.claim_types.iter().map(|ct| {
            let d = &ct.def;
            let v = ident(&d.variant);
            let (prefix, code, dictionary, profile, evidence) =
                (&d.id_prefix, &d.eob_type, &d.dictionary, &d.profile, &d.evidence);
            let levels = ct.levels.iter().filter(|l| **l != Level::Root).map(|l| l.element());
            let s = &d.synthetic;
            let nch = &s.nch_claim_types;
            let (fhir_code, fhir_display) = (&s.fhir_claim_type.code, &s.fhir_claim_type.display);
            let coverage = &s.coverage;
            let [span_lo, span_hi] = s.span_days.map(Literal::u32_unsuffixed);
            let [lines_lo, lines_hi] = s.lines.map(Literal::u32_unsuffixed);
            let link = s.lines_link_diagnoses;
            quote! {
                ClaimTypeInfo {
                    claim_type: ClaimType::#v,
                    id_prefix: #prefix,
                    code: #code,
                    dictionary: #dictionary,
                    profile: #profile,
                    levels: &[#(#levels),*],
                    evidence: #evidence,
                    synthetic: SyntheticShape {
                        nch_claim_types: &[#(#nch),*],
                        fhir_claim_type: (#fhir_code, #fhir_display),
                        coverage: #coverage,
                        span_days: (#span_lo, #span_hi),
                        lines: (#lines_lo, #lines_hi),
                        lines_link_diagnoses: #link,
                    },
                },
            }
        });
        let enum_doc = format!(
            " A claim type: the kind of `{resource}`, one per claim profile (`{PATH}`).\n\n \
             The server marks it with a coding of `type` in [`EOB_TYPE_SYSTEM`]; its ids also start \
             with the type (`<prefix>-…`), the fallback when that coding is absent."
        );
        let tokens = quote! {
            /// The code system of the claim type codes in `type.coding`.
            pub const EOB_TYPE_SYSTEM: &str = #system;

            #[doc = #enum_doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum ClaimType {
                #( #[doc = #variant_docs] #variants, )*
            }

            impl ClaimType {
                /// Every claim type, in the order of [`CLAIM_TYPES`].
                pub const ALL: [ClaimType; #count] = [#(ClaimType::#variants),*];
            }

            /// The facts of every claim type, in the order of [`ClaimType::ALL`].
            pub static CLAIM_TYPES: [ClaimTypeInfo; #count] = [#(#infos)*];
        };
        prettyplease::unparse(&syn::parse2(tokens).expect("the claim type table is valid Rust"))
    }
}

/// The checked table as text: each claim type's facts, levels and cost variables (the listing
/// the snapshot tests review).
impl fmt::Display for ClaimTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "resource {}, codes in {}", self.resource, self.eob_type_system)?;
        for ct in &self.claim_types {
            let d = &ct.def;
            writeln!(f, "{} `{}-` {} ({}) {}", d.variant, d.id_prefix, d.eob_type, d.dictionary, d.profile)?;
            let levels: Vec<&str> = ct.levels.iter().filter(|l| **l != Level::Root).map(|l| l.element()).collect();
            writeln!(f, "  levels: root {}", levels.join(" "))?;
            for (level, role, variable) in &ct.costs {
                let at = if *level == Level::Root { "root" } else { level.element() };
                writeln!(f, "  cost {at} {role} = {variable}")?;
            }
        }
        for (role, meaning) in &self.roles {
            writeln!(f, "role {role}: {meaning}")?;
        }
        Ok(())
    }
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}
