//! Objects whose fields are resolved in place.
//!
//! async-graphql resolves an object by boxing a future for each selected field and running
//! them in a `FuturesUnordered` (a reference-counted task, a waker and a queue entry per
//! field), then hashing each answer into the result map twice. A page of 100 projects
//! has some 600 objects and 1,300 fields, and that machinery cost more than the resolvers
//! themselves. `resolve_object` runs the same field resolvers (the ones the derive macros
//! generate) joined in one allocation per object, and writes each answer into a map sized
//! for the selection. The fields still run concurrently, so a field waiting on a loader
//! holds up none of the others, and the answer is the same: fields in the order selected,
//! a field that fails reported in `errors` and left out, a key selected twice merged.
//!
//! Lists and connections of objects (`List`, `ConnectionOf`) resolve their items this way;
//! `Plain<T>` does it for one nested object.
//!
//! What it gains (docs/performance.md, 2026-12-03; against the same build resolving every
//! object with `resolve_container`, every list as `Vec`, the rollup rows through their
//! resolvers): on PostgreSQL a page of 100 projects 13 % more requests a second, a project in
//! full 15 %, the province by county 17 %; on SQLite a page 14 %; a county's rollup by fund
//! kind 13 % fewer server instructions.
use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, Selection};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_container;
use async_graphql::{
    ContainerType, ContextBase, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
};
use futures_util::future::join_all;
use std::borrow::Cow;

/// In the schema's data when the schema has no extensions (`graphql::build_schema`): only
/// then may fields be resolved here, since an extension's per-field hook runs only in
/// async-graphql's own executor. Without it every shortcut (`resolve_object`, the rollup
/// rows, `RegionByCode`) hands its fields to that executor.
pub struct InPlace;

/// Whether fields may be resolved in place (see [`InPlace`]).
pub fn in_place<T>(ctx: &ContextBase<'_, T>) -> bool {
    ctx.data_opt::<InPlace>().is_some()
}

/// Resolves `root`'s selected fields, as async-graphql's `resolve_container` does.
///
/// A selection with fragments or directives goes to `resolve_container` itself: those are
/// rare in the reads that return many objects, and the executor handles them fully. So
/// does every selection of a schema with extensions (`InPlace`).
pub async fn resolve_object<T: ContainerType + ?Sized>(ctx: &ContextSelectionSet<'_>, root: &T) -> ServerResult<Value> {
    if !in_place(ctx) {
        return resolve_container(ctx, root).await;
    }
    let selections = &ctx.item.node.items;
    let mut fields = Vec::with_capacity(selections.len());
    for selection in selections {
        match &selection.node {
            Selection::Field(field) if field.node.directives.is_empty() => fields.push(ctx.with_field(field)),
            _ => return resolve_container(ctx, root).await,
        }
    }
    let answers = join_all(fields.iter().map(|field| async move {
        if field.item.node.name.node == "__typename" {
            Ok(Some(Value::String(root.introspection_type_name().into_owned())))
        } else {
            root.resolve_field(field).await
        }
    }))
    .await;
    let mut map = IndexMap::with_capacity(fields.len());
    for (field, answer) in fields.iter().zip(answers) {
        match answer {
            Ok(value) => insert(
                &mut map,
                field.item.node.response_key().node.clone(),
                value.unwrap_or_default(),
            ),
            Err(error) => ctx.add_error(error),
        }
    }
    Ok(if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    })
}

/// Adds `value` under `name`, merging it into an object or list of objects already there
/// (`{ township { name } township { code } }`), as async-graphql does.
fn insert(map: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    match map.entry(name) {
        Entry::Vacant(entry) => {
            entry.insert(value);
        }
        Entry::Occupied(mut entry) => merge(entry.get_mut(), value),
    }
}

fn merge(target: &mut Value, value: Value) {
    match (target, value) {
        (Value::Object(target), Value::Object(object)) => {
            for (name, value) in object {
                insert(target, name, value);
            }
        }
        (Value::List(target), Value::List(list)) => {
            for (target, value) in target.iter_mut().zip(list) {
                if let (Value::Object(_), Value::Object(_)) = (&*target, &value) {
                    merge(target, value);
                }
            }
        }
        _ => {}
    }
}

/// One nested object (a project's township, department, fund summary) resolved in place;
/// the schema is `T`'s.
pub struct Plain<T>(pub T);

impl<T: ContainerType> OutputType for Plain<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        resolve_object(ctx, &self.0).await
    }
}
