//! What an expression is evaluated on.
use super::nav;
use super::value::{Item, Node};
use crate::json::Value;

/// What an expression is evaluated on: the focus (`%context`, and `$this` at the start), the
/// resource (`%resource`, whose `contained` resources `resolve()` finds) and the Bundle it is an
/// entry of (whose `fullUrl`s `resolve()` finds), and further `%name` variables.
#[derive(Debug, Clone)]
pub struct Context<'v> {
    pub focus: Item<'v>,
    pub resource: Option<&'v Value<'v>>,
    pub root_resource: Option<&'v Value<'v>>,
    pub bundle: Option<&'v Value<'v>>,
    pub variables: Vec<(String, Vec<Item<'v>>)>,
}

impl<'v> Context<'v> {
    /// A resource as the focus and as `%resource`; a Bundle also as the Bundle `resolve()` reads.
    pub fn resource(resource: &'v Value<'v>) -> Context<'v> {
        let bundle = (nav::resource_type(resource) == Some("Bundle")).then_some(resource);
        Context {
            focus: Item::Node(nav::resource_node(resource)),
            resource: Some(resource),
            root_resource: Some(resource),
            bundle,
            variables: Vec::new(),
        }
    }

    /// An element inside `resource`, of FHIR type `type_name`, as the focus.
    pub fn element(element: &'v Value<'v>, type_name: &'v str, resource: &'v Value<'v>) -> Context<'v> {
        Context {
            focus: Item::Node(Node { value: Some(element), ext: None, ty: type_name, def: None }),
            resource: Some(resource),
            root_resource: Some(resource),
            bundle: None,
            variables: Vec::new(),
        }
    }
}
