//! Slices: which slice a value of a sliced element belongs to (by `url`; other discriminators
//! are not evaluated), and each slice's cardinality.
use super::Engine;
use crate::json::Value;
use crate::validate::object::{as_object, get_str};
use crate::validate::tables::{E, MANY};

fn max_text(max: u32) -> String {
    if max == MANY {
        "*".into()
    } else {
        max.to_string()
    }
}

impl Engine {
    /// Checks each slice's cardinality; the location is the sliced element's. A missing slice
    /// is reported at `<element>:<slice>` (`ExplanationOfBenefit.extension:carrier-prpayamt-extension`).
    pub(super) fn slice_cardinality(&mut self, e: &'static E, used: &'static E, counts: &[u32]) {
        for (k, slice) in used.slices().iter().enumerate() {
            if !slice.available(self.target) {
                continue;
            }
            let (min, max, n) = (slice.min(self.target), slice.max(self.target), counts.get(k).copied().unwrap_or(0));
            if n >= min && n <= max {
                continue;
            }
            let name = format!("{}:{}", e.name, slice.slice);
            let url = slice.url(self.target);
            let expected = Some(format!("{min}..{}", max_text(max)));
            if n < min {
                let message = format!("slice {name} (url {url}) is required {min}..{}, found {n}", max_text(max));
                let len = self.path.len();
                self.path.push(':');
                self.path.push_str(slice.slice);
                self.error_or_deviation(slice, "slice-cardinality", message, expected, Some(n.to_string()));
                self.path.truncate(len);
            } else {
                let message = format!("slice {name} (url {url}) allows at most {}, found {n}", max_text(max));
                self.error_or_deviation(slice, "slice-cardinality", message, expected, Some(n.to_string()));
            }
        }
    }

    /// The slice (index) an item of a sliced element belongs to.
    pub(super) fn slice_of(&mut self, e: &'static E, item: &Value<'_>) -> Option<usize> {
        let (discriminators, _, _) = e.slicing().unwrap_or(("value:url", "open", false));
        if discriminators != "value:url" {
            let key = format!("slicing {discriminators}");
            self.note("not-evaluated", &key, || {
                format!("slicing by {discriminators} of {} is not evaluated here", e.path)
            });
            return None;
        }
        let url = as_object(item).and_then(|m| get_str(m, "url"))?;
        e.slices().iter().position(|s| s.available(self.target) && s.url(self.target) == url)
    }
}
