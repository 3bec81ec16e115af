//! The CMS Chronic Conditions Warehouse codebooks (XML): variables and their coded values.
//!
//! Kept per codebook: `id` (where present), `name`, `version`; per `<variable>`, in source
//! order: the attributes `id`, `label`, `longName`, `shortName`, `source`, `type`, `length`,
//! `valueFormat` (as written, all strings), and the coded values of `<valueGroups>` as an array
//! of groups, each an array of `{code, display}`.
//!
//! Codes are kept exactly as written (`Blank`, `*`, `81-99`, duplicates and all): normalizing
//! them is a later, documented step. Display text is the text content of `<value>` with runs of
//! XML whitespace (space, tab, CR, LF) collapsed to one space and the ends trimmed, because the
//! XML wraps long displays over several lines. `<description>` and `<comment>` (prose) are
//! skipped.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::{Map, Value};

/// Variable attributes carried over, in this order of preference for messages.
const VARIABLE_ATTRIBUTES: &[&str] =
    &["id", "label", "longName", "shortName", "source", "type", "length", "valueFormat"];

/// One codebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codebook {
    /// The `id` attribute of `<codebook>` (only the MBSF codebooks have one).
    pub id: Option<String>,
    /// The `name` attribute of `<codebook>`.
    pub name: Option<String>,
    /// The `version` attribute of `<codebook>`.
    pub version: Option<String>,
    /// The variables in source order.
    pub variables: Vec<Variable>,
}

/// One `<variable>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The carried-over attributes that are present (`id`, `label`, `longName`, `shortName`,
    /// `source`, `type`, `length`, `valueFormat`, in this order).
    pub attributes: Vec<(String, String)>,
    /// `None` without `<valueGroups>`; otherwise one entry per `<valueGroup>`.
    pub value_groups: Option<Vec<Vec<CodedValue>>>,
}

impl Variable {
    /// The `id` attribute.
    pub fn id(&self) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == "id").map(|(_, v)| v.as_str())
    }
}

/// One `<value code="…">display</value>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedValue {
    /// The `code` attribute, exactly as written.
    pub code: String,
    /// The text, whitespace collapsed.
    pub display: String,
}

/// Parses a codebook. The error says what was wrong and on which line.
///
/// ```
/// use bluebutton_import::codebook::parse;
/// let book = parse(r#"<codebook name="N" version="1">
///   <variable id="X_CD" label="X"><valueGroups><valueGroup>
///     <value code="*">Any
///        thing</value>
///   </valueGroup></valueGroups></variable></codebook>"#).unwrap();
/// let groups = book.variables[0].value_groups.as_ref().unwrap();
/// assert_eq!((groups[0][0].code.as_str(), groups[0][0].display.as_str()), ("*", "Any thing"));
/// ```
pub fn parse(xml: &str) -> Result<Codebook, String> {
    let mut reader = Reader::from_str(xml);
    let mut book = Codebook { id: None, name: None, version: None, variables: Vec::new() };
    let mut seen_codebook = false;
    let mut variable: Option<Variable> = None;
    // The code of the `<value>` being read and its text so far.
    let mut value: Option<(String, String)> = None;
    loop {
        let position = reader.buffer_position();
        let at = |pos: u64| format!("line {}", line_of(xml, pos));
        let event = reader.read_event().map_err(|e| format!("{}: malformed XML: {e}", at(reader.error_position())))?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let is_empty = matches!(event, Event::Empty(_));
                let tag = start.local_name();
                if value.is_some() && tag.as_ref() != b"value" {
                    // Markup inside a display: its text still counts, the tag does not.
                    continue;
                }
                match tag.as_ref() {
                    b"codebook" => {
                        if seen_codebook {
                            return Err(format!("{}: nested <codebook>", at(position)));
                        }
                        seen_codebook = true;
                        book.id = attribute(start, "id").map_err(|e| format!("{}: {e}", at(position)))?;
                        book.name = attribute(start, "name").map_err(|e| format!("{}: {e}", at(position)))?;
                        book.version = attribute(start, "version").map_err(|e| format!("{}: {e}", at(position)))?;
                    }
                    b"variable" => {
                        if !seen_codebook {
                            return Err(format!("{}: <variable> outside <codebook>", at(position)));
                        }
                        if variable.is_some() {
                            return Err(format!("{}: nested <variable>", at(position)));
                        }
                        let mut attributes = Vec::new();
                        for name in VARIABLE_ATTRIBUTES {
                            if let Some(v) = attribute(start, name).map_err(|e| format!("{}: {e}", at(position)))? {
                                attributes.push(((*name).to_owned(), v));
                            }
                        }
                        if !attributes.iter().any(|(k, _)| k == "id") {
                            return Err(format!("{}: <variable> without an id", at(position)));
                        }
                        let v = Variable { attributes, value_groups: None };
                        if is_empty {
                            book.variables.push(v);
                        } else {
                            variable = Some(v);
                        }
                    }
                    b"description" | b"comment" if !is_empty => {
                        // Prose: skip the whole element.
                        let end = start.to_end().into_owned();
                        reader
                            .read_to_end(end.name())
                            .map_err(|e| format!("{}: malformed XML: {e}", at(reader.error_position())))?;
                    }
                    b"valueGroups" => {
                        let v = variable
                            .as_mut()
                            .ok_or_else(|| format!("{}: <valueGroups> outside <variable>", at(position)))?;
                        v.value_groups.get_or_insert_with(Vec::new);
                    }
                    b"valueGroup" => {
                        let groups = variable
                            .as_mut()
                            .and_then(|v| v.value_groups.as_mut())
                            .ok_or_else(|| format!("{}: <valueGroup> outside <valueGroups>", at(position)))?;
                        groups.push(Vec::new());
                    }
                    b"value" => {
                        if value.is_some() {
                            return Err(format!("{}: nested <value>", at(position)));
                        }
                        let group = current_group(&mut variable)
                            .ok_or_else(|| format!("{}: <value> outside <valueGroup>", at(position)))?;
                        let code = attribute(start, "code")
                            .map_err(|e| format!("{}: {e}", at(position)))?
                            .ok_or_else(|| format!("{}: <value> without a code", at(position)))?;
                        if is_empty {
                            group.push(CodedValue { code, display: String::new() });
                        } else {
                            value = Some((code, String::new()));
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) => {
                if let Some((_, display)) = value.as_mut() {
                    let text = text.unescape().map_err(|e| format!("{}: bad text in <value>: {e}", at(position)))?;
                    display.push_str(&text);
                }
            }
            Event::CData(data) => {
                if let Some((_, display)) = value.as_mut() {
                    display.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::End(end) => match end.local_name().as_ref() {
                b"value" => {
                    if let Some((code, display)) = value.take() {
                        let group = current_group(&mut variable)
                            .ok_or_else(|| format!("{}: </value> outside <valueGroup>", at(position)))?;
                        group.push(CodedValue { code, display: collapse_whitespace(&display) });
                    }
                }
                b"variable" => {
                    if let Some(v) = variable.take() {
                        book.variables.push(v);
                    }
                }
                _ => {}
            },
            Event::Eof => {
                if let Some(v) = &variable {
                    return Err(format!("end of file inside <variable id=\"{}\">", v.id().unwrap_or("?")));
                }
                break;
            }
            _ => {}
        }
    }
    if !seen_codebook {
        return Err("no <codebook> element".to_owned());
    }
    Ok(book)
}

fn current_group(variable: &mut Option<Variable>) -> Option<&mut Vec<CodedValue>> {
    variable.as_mut().and_then(|v| v.value_groups.as_mut()).and_then(|groups| groups.last_mut())
}

/// An attribute's unescaped value.
fn attribute(start: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
        if attr.key.as_ref() == name.as_bytes() {
            let value = attr.unescape_value().map_err(|e| format!("bad value of attribute `{name}`: {e}"))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// Collapses runs of XML whitespace (space, tab, CR, LF) to one space and trims the ends.
pub fn collapse_whitespace(text: &str) -> String {
    text.split([' ', '\t', '\n', '\r']).filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ")
}

fn line_of(xml: &str, position: u64) -> usize {
    let end = usize::try_from(position).unwrap_or(usize::MAX).min(xml.len());
    xml.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// The facts-only JSON form of a codebook.
pub fn to_json(book: &Codebook) -> Value {
    let mut out = Map::new();
    for (key, value) in [("id", &book.id), ("name", &book.name), ("version", &book.version)] {
        if let Some(value) = value {
            out.insert(key.to_owned(), Value::String(value.clone()));
        }
    }
    let variables = book
        .variables
        .iter()
        .map(|variable| {
            let mut v = Map::new();
            for (key, value) in &variable.attributes {
                v.insert(key.clone(), Value::String(value.clone()));
            }
            if let Some(groups) = &variable.value_groups {
                let groups = groups
                    .iter()
                    .map(|group| {
                        Value::Array(
                            group
                                .iter()
                                .map(|cv| {
                                    let mut o = Map::new();
                                    o.insert("code".to_owned(), Value::String(cv.code.clone()));
                                    o.insert("display".to_owned(), Value::String(cv.display.clone()));
                                    Value::Object(o)
                                })
                                .collect(),
                        )
                    })
                    .collect();
                v.insert("valueGroups".to_owned(), Value::Array(groups));
            }
            Value::Object(v)
        })
        .collect();
    out.insert("variables".to_owned(), Value::Array(variables));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<codebook name="Test &amp; Book" version="May 2017, Version 1.0">
    <variable id="ADJSTMT_DLTN_CD" label="Adjustment Deletion Code" length="1" longName="ADJSTMT_DLTN_CD" shortName="ADJDELCD" source="PDE" type="CHAR">
        <comment><p>Only the final version.</p></comment>
        <description><p>This field distinguishes <b>original</b> records.</p></description>
        <valueGroups>
            <valueGroup>
                <value code="Blank">Original   PDE</value>
                <value code="*">Any
                    other	value </value>
                <value code="81-99">Range</value>
                <value code="A">Adjustment</value>
                <value code="A">Adjustment (again)</value>
                <value code="&lt;">Less than</value>
            </valueGroup>
            <valueGroup>
                <value code="Null/missing">Missing</value>
            </valueGroup>
        </valueGroups>
    </variable>
    <variable id="BENE_ID" label="Beneficiary ID" length="15" longName="BENE_ID" source="CCW" type="CHAR" valueFormat="01 = Debit accepted">
        <description><p>Prose.</p></description>
    </variable>
</codebook>"#;

    #[test]
    fn odd_codes_are_kept_and_whitespace_collapsed() {
        let book = parse(SAMPLE).unwrap();
        assert_eq!(book.name.as_deref(), Some("Test & Book"));
        assert_eq!(book.version.as_deref(), Some("May 2017, Version 1.0"));
        assert_eq!(book.id, None);
        assert_eq!(book.variables.len(), 2);
        let groups = book.variables[0].value_groups.as_ref().unwrap();
        let pairs: Vec<Vec<(&str, &str)>> =
            groups.iter().map(|g| g.iter().map(|v| (v.code.as_str(), v.display.as_str())).collect()).collect();
        assert_eq!(
            pairs,
            vec![
                vec![
                    ("Blank", "Original PDE"),
                    ("*", "Any other value"),
                    ("81-99", "Range"),
                    ("A", "Adjustment"),
                    ("A", "Adjustment (again)"),
                    ("<", "Less than"),
                ],
                vec![("Null/missing", "Missing")],
            ]
        );
        assert_eq!(book.variables[1].id(), Some("BENE_ID"));
        assert_eq!(book.variables[1].value_groups, None);
    }

    #[test]
    fn json_form_has_no_prose() {
        let json = to_json(&parse(SAMPLE).unwrap());
        let text = json.to_string();
        assert!(!text.contains("distinguishes") && !text.contains("final version"));
        assert_eq!(json["variables"][1]["valueFormat"], "01 = Debit accepted");
        assert_eq!(json["variables"][1]["length"], "15");
        assert!(json["variables"][1].get("shortName").is_none());
        assert_eq!(json["variables"][0]["valueGroups"][0][1]["code"], "*");
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("<codebook>\n<variable label=\"x\"></variable></codebook>").unwrap_err();
        assert_eq!(err, "line 2: <variable> without an id");
        let err =
            parse("<codebook>\n<variable id=\"X\">\n<value code=\"1\">x</value></variable></codebook>").unwrap_err();
        assert_eq!(err, "line 3: <value> outside <valueGroup>");
        assert!(parse("<codebook><variable id=\"X\"></codebook>").is_err());
        assert!(parse("<other/>").is_err());
    }
}
