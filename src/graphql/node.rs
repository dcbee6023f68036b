//! Object identification: opaque global IDs and `node(id:)`. An ID is the base64 of
//! `Type:key`; clients must treat it as opaque. `node` goes through the same scoped
//! lookups as every other path.
use super::audit::AuditEntry;
use super::context::ContextExt;
use super::departments::Department;
use super::disclosure::{Disclosure, DisclosureObjection};
use super::errors::{OrApiError, bad_input};
use super::exit::ExitGap;
use super::funds::{FundLine, LedgerEntry};
use super::imports::ImportRun;
use super::plans::AnnualPlan;
use super::progress::ProgressReport;
use super::projects::Project;
use super::rectification::RectificationIssue;
use super::regions::Region;
use super::task_lists::{MonthlyTaskList, TaskListItem};
use super::users::User;
use crate::domain::fault::Fault;
use crate::domain::region::RegionCode;
use crate::service;
use async_graphql::{Context, ID, Interface, Object};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An object with a global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global ID."))]
pub enum Node {
    Region(Region),
    Department(Department),
    User(User),
    Project(Project),
    FundLine(FundLine),
    LedgerEntry(LedgerEntry),
    AnnualPlan(AnnualPlan),
    ProgressReport(ProgressReport),
    AuditEntry(AuditEntry),
    RectificationIssue(RectificationIssue),
    MonthlyTaskList(MonthlyTaskList),
    TaskListItem(TaskListItem),
    ExitGap(ExitGap),
    Disclosure(Disclosure),
    DisclosureObjection(DisclosureObjection),
    ImportRun(ImportRun),
}

pub fn global_id(kind: &str, key: impl std::fmt::Display) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{kind}:{key}")))
}

/// Splits a global ID into its type and key, if it is one of ours.
pub fn decode(id: &ID) -> Option<(String, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id.as_str()).ok()?).ok()?;
    let (kind, key) = text.split_once(':')?;
    Some((kind.to_string(), key.to_string()))
}

/// The numeric key of an ID that must name an object of `kind`; a user error on `field`
/// otherwise.
pub fn decode_numeric(id: &ID, kind: &str, field: &str) -> Result<i64, Fault> {
    match decode(id) {
        Some((k, key)) if k == kind => key
            .parse()
            .map_err(|_| Fault::invalid(field, format!("`{}` is not a {kind} ID", id.as_str()))),
        _ => Err(Fault::invalid(field, format!("`{}` is not a {kind} ID", id.as_str()))),
    }
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global ID; null when it does not exist (any more) or is
    /// outside what you can see. A text that is not an ID this API issued is a
    /// `BAD_USER_INPUT` error.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object's `id`, as this API gave it.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let Some((kind, key)) = decode(&id) else {
            return Err(bad_input(format!("`{}` is not an ID issued by this API", id.as_str())));
        };
        let unknown = || bad_input(format!("`{}` is not an ID issued by this API", id.as_str()));
        Ok(match kind.as_str() {
            "Region" => {
                let code = RegionCode::parse(&key).map_err(|_| unknown())?;
                service::regions::find(db, actor, &code)
                    .await
                    .api()?
                    .map(|r| Node::Region(Region::from(r)))
            }
            "Department" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::departments::find(db, actor, id)
                    .await
                    .api()?
                    .map(|d| Node::Department(Department::from(d)))
            }
            "User" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::users::find(db, actor, id)
                    .await
                    .api()?
                    .map(|u| Node::User(User(u)))
            }
            "Project" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::projects::find(db, actor, id)
                    .await
                    .api()?
                    .map(|p| Node::Project(Project(p)))
            }
            "FundLine" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::funds::find_line(db, actor, id)
                    .await
                    .api()?
                    .map(|l| Node::FundLine(FundLine(l)))
            }
            "LedgerEntry" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::funds::find_entry(db, actor, id)
                    .await
                    .api()?
                    .map(|e| Node::LedgerEntry(LedgerEntry(e)))
            }
            "AnnualPlan" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::plans::find(db, actor, id)
                    .await
                    .api()?
                    .map(|p| Node::AnnualPlan(AnnualPlan(p)))
            }
            "ProgressReport" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::progress::find(db, actor, id)
                    .await
                    .api()?
                    .map(|r| Node::ProgressReport(ProgressReport(r)))
            }
            "AuditEntry" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::audit::find(db, actor, id)
                    .await
                    .api()?
                    .map(|e| Node::AuditEntry(AuditEntry(e)))
            }
            "RectificationIssue" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::rectification::find(db, actor, id)
                    .await
                    .api()?
                    .map(|i| Node::RectificationIssue(RectificationIssue(i)))
            }
            "MonthlyTaskList" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::task_lists::find(db, actor, id)
                    .await
                    .api()?
                    .map(|l| Node::MonthlyTaskList(MonthlyTaskList(l)))
            }
            "TaskListItem" => {
                let id = key.parse().map_err(|_| unknown())?;
                match service::task_lists::find_item(db, actor, id).await.api()? {
                    Some((list, item)) => Some(Node::TaskListItem(TaskListItem::of(&list, item)?)),
                    None => None,
                }
            }
            "ExitGap" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::exit::find_gap(db, actor, id)
                    .await
                    .api()?
                    .map(|g| Node::ExitGap(ExitGap(g)))
            }
            "Disclosure" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::disclosure::find(db, actor, id)
                    .await
                    .api()?
                    .map(|d| Node::Disclosure(Disclosure(d)))
            }
            "DisclosureObjection" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::disclosure::find_objection(db, actor, id)
                    .await
                    .api()?
                    .map(|(_, o)| Node::DisclosureObjection(DisclosureObjection(o)))
            }
            "ImportRun" => {
                let id = key.parse().map_err(|_| unknown())?;
                service::imports::find(db, actor, id)
                    .await
                    .api()?
                    .map(|r| Node::ImportRun(ImportRun(r)))
            }
            _ => return Err(unknown()),
        })
    }
}
