//! What an expression is evaluated on.
use super::nav;
use super::value::{Item, Node};
use crate::json::Value;
use crate::validate::object::Members;

/// What an expression is evaluated on: the focus (`%context`, and `$this` at the start), the
/// resource (`%resource`, whose `contained` resources `resolve()` finds), the Bundle whose
/// entries `resolve()` finds by `fullUrl`, and further `%name` variables.
#[derive(Debug, Clone)]
pub struct Context<'v> {
    pub(crate) focus: Item<'v>,
    pub(crate) resource: Option<Node<'v>>,
    pub(crate) root_resource: Option<Node<'v>>,
    pub(crate) bundle: Option<&'v Value<'v>>,
    pub(crate) variables: Vec<(String, Vec<Item<'v>>)>,
    /// An element path that is an operand of `and`, `or`, `xor` or `implies` reads as whether
    /// it exists (`code or value.empty()`: false without a code), as the definitions'
    /// invariants are written; plain FHIRPath leaves it empty.
    pub(crate) presence_as_boolean: bool,
}

impl<'v> Context<'v> {
    /// A resource as the focus and as `%resource`; a Bundle is also the Bundle `resolve()`
    /// reads.
    pub fn resource(resource: &'v Value<'v>) -> Context<'v> {
        let bundle = (nav::resource_type(resource) == Some("Bundle")).then_some(resource);
        let node = nav::resource_node(resource);
        Context {
            focus: Item::Node(node),
            resource: Some(node),
            root_resource: Some(node),
            bundle,
            variables: Vec::new(),
            presence_as_boolean: false,
        }
    }

    /// A resource that is an entry of `bundle`: `resolve()` also finds the Bundle's entries, and
    /// `%rootResource` is the Bundle.
    pub fn entry(resource: &'v Value<'v>, bundle: &'v Value<'v>) -> Context<'v> {
        let mut ctx = Context::resource(resource);
        ctx.bundle = Some(bundle);
        ctx.root_resource = Some(nav::resource_node(bundle));
        ctx
    }

    /// Sets a `%name` variable.
    pub fn with_variable(mut self, name: impl Into<String>, value: Vec<Item<'v>>) -> Self {
        self.variables.push((name.into(), value));
        self
    }

    /// An element's members as the focus, of FHIR type `ty` under definition `def`, within
    /// `resource` when it is known (the validator's walk).
    pub(crate) fn members(
        members: &'v Members<'v>,
        ty: &'v str,
        def: Option<&'static crate::validate::tables::E>,
        resource: Option<Node<'v>>,
    ) -> Context<'v> {
        let focus = Node { value: None, ext: None, obj: Some(members), ty, def };
        Context {
            focus: Item::Node(focus),
            resource,
            root_resource: resource,
            bundle: None,
            variables: Vec::new(),
            presence_as_boolean: false,
        }
    }

    /// Reads an element path that is an operand of a boolean operator as whether it exists, as
    /// the definitions' invariants are written (`(code or value.empty())` is false without a
    /// code); plain FHIRPath leaves it empty.
    pub fn presence_as_boolean(mut self) -> Self {
        self.presence_as_boolean = true;
        self
    }

    /// The focus, a resource, as `%resource` too.
    pub(crate) fn focus_as_resource(mut self) -> Self {
        if let Item::Node(n) = &self.focus {
            self.resource = Some(*n);
            self.root_resource = Some(*n);
        }
        self
    }
}
