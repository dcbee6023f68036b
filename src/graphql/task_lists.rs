//! 三单 — `monthlyTaskLists`, and the mutations that draft, publish (晒单), follow up (跟单)
//! and clear (清单) a unit's monthly list.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::{OrApiError, UserError, from_service, internal, payload};
use super::node::{decode_numeric, global_id};
use super::object::Plain;
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::projects::{Project, visible_projects};
use super::rectification::RectificationIssue;
use super::regions::{Region, region_of};
use super::scalars::{Date, Decimal};
use crate::domain::calendar;
use crate::domain::fault::Fault;
use crate::domain::task_list::{self as rules, ListStatus, Outcome, UnitKind};
use crate::service::task_lists::{self as svc, Clearing, FollowUp, ItemInput, ListFilter, ListInput, UnitInput};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::{task_list, task_list_item};

pub struct MonthlyTaskList(pub task_list::Model);

impl MonthlyTaskList {
    async fn item_rows(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<task_list_item::Model>> {
        Ok(ctx
            .loaders()?
            .task_list_items
            .load_one(&self.0.id)
            .await?
            .unwrap_or_default())
    }

    async fn count(&self, ctx: &Context<'_>, outcome: Outcome) -> async_graphql::Result<i32> {
        let items = self.item_rows(ctx).await?;
        Ok(items.iter().filter(|i| svc::outcome_of(i) == Some(outcome)).count() as i32)
    }
}

/// 三单 — one unit's task list for one month: published at the start (晒单), followed up
/// mid-month (跟单), cleared at the end (清单). Meant for the public once published.
#[Object]
impl MonthlyTaskList {
    /// The list's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("MonthlyTaskList", self.0.id)
    }
    /// The county (12-digit code).
    async fn county_code(&self) -> &str {
        &self.0.county_code
    }
    /// The month, `YYYY-MM`.
    async fn month(&self) -> &str {
        &self.0.month
    }
    /// Whose list it is.
    async fn unit_kind(&self) -> async_graphql::Result<UnitKind> {
        UnitKind::parse(&self.0.unit_kind).ok_or_else(|| internal("unknown unit kind"))
    }
    /// The department, for a department's list.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.unit_department_id).await
    }
    /// The township or village, for theirs.
    async fn region(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Region>>> {
        region_of(ctx, self.0.unit_region_code.as_deref()).await
    }
    /// The leader, for a county leader's list.
    async fn leader_name(&self) -> Option<&str> {
        self.0.leader_name.as_deref()
    }
    /// Where the list stands.
    async fn status(&self) -> async_graphql::Result<ListStatus> {
        svc::status_of(&self.0).map_err(from_service)
    }
    /// Whether it has been published (晒单) — and so may be shown to the public.
    async fn published(&self) -> bool {
        self.0.published_on.is_some()
    }
    /// The day it was published.
    async fn published_on(&self) -> Option<Date> {
        self.0.published_on.map(Date)
    }
    /// The day it was cleared (清单).
    async fn cleared_on(&self) -> Option<Date> {
        self.0.cleared_on.map(Date)
    }
    /// The items, in order.
    async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TaskListItem>> {
        let rows = self.item_rows(ctx).await?;
        rows.into_iter().map(|row| TaskListItem::of(&self.0, row)).collect()
    }
    /// How many items it has.
    async fn item_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        Ok(self.item_rows(ctx).await?.len() as i32)
    }
    /// Items done (已完成), once cleared.
    async fn done(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        self.count(ctx, Outcome::Done).await
    }
    /// Items partly done (部分完成), once cleared.
    async fn partly_done(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        self.count(ctx, Outcome::Partly).await
    }
    /// Items not done (未完成), once cleared.
    async fn not_done(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        self.count(ctx, Outcome::NotDone).await
    }
    /// 完成率 — items done of all items, in percent (a partly done item is not done); null
    /// until the list is cleared.
    async fn completion_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Decimal>> {
        let outcomes: Vec<_> = self.item_rows(ctx).await?.iter().map(svc::outcome_of).collect();
        Ok(rules::completion_rate(&outcomes).map(Decimal))
    }
    /// Bumped by every change: give it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

pub struct TaskListItem {
    row: task_list_item::Model,
    month: rules::Month,
    cleared_on: Option<chrono::NaiveDate>,
    published: bool,
}

impl TaskListItem {
    pub fn of(list: &task_list::Model, row: task_list_item::Model) -> async_graphql::Result<TaskListItem> {
        Ok(TaskListItem {
            row,
            month: svc::month_of(list).map_err(from_service)?,
            cleared_on: list.cleared_on,
            published: list.published_on.is_some(),
        })
    }
}

/// One item of a monthly list.
#[Object]
impl TaskListItem {
    /// The item's ID, for the follow-up and the clearing.
    pub async fn id(&self) -> ID {
        global_id("TaskListItem", self.row.id)
    }
    /// Its place on the list, from 1.
    async fn position(&self) -> i32 {
        self.row.position
    }
    /// What will be done.
    async fn content(&self) -> &str {
        &self.row.content
    }
    /// The result planned for the month.
    async fn planned_result(&self) -> &str {
        &self.row.planned_result
    }
    /// The project it works on, when you may see it.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        match self.row.project_id {
            None => Ok(None),
            Some(id) => Ok(visible_projects(ctx, &[id]).await?.pop()),
        }
    }
    /// The rectification problem it works on, when you may see it.
    async fn rectification_issue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<RectificationIssue>> {
        match self.row.issue_id {
            None => Ok(None),
            Some(id) => Ok(crate::service::rectification::find(ctx.db()?, ctx.actor()?, id)
                .await
                .api()?
                .map(RectificationIssue)),
        }
    }
    /// 跟单 — the mid-month progress note.
    async fn follow_up_note(&self) -> Option<&str> {
        self.row.follow_up_note.as_deref()
    }
    /// Whether it was on track at the follow-up.
    async fn on_track(&self) -> Option<bool> {
        self.row.on_track
    }
    /// The day of the follow-up.
    async fn followed_up_on(&self) -> Option<Date> {
        self.row.followed_up_on.map(Date)
    }
    /// 清单 — how it ended the month.
    async fn outcome(&self) -> Option<Outcome> {
        svc::outcome_of(&self.row)
    }
    /// Why it was not done in full.
    async fn outcome_reason(&self) -> Option<&str> {
        self.row.outcome_reason.as_deref()
    }
    /// 逾期未清 — published and not cleared by the end of its month, today.
    async fn overdue(&self) -> bool {
        self.published && rules::item_is_overdue(self.month, self.cleared_on, calendar::today())
    }
}

/// Which lists to read, of those you see; every condition given must hold.
#[derive(InputObject, Default)]
pub struct MonthlyTaskListFilter {
    /// A county or larger: its lists; a township or village: the lists of its units.
    pub region_code: Option<String>,
    /// The month, `YYYY-MM`.
    pub month: Option<String>,
    /// Whose lists.
    pub unit_kind: Option<UnitKind>,
    /// A department's lists (its global ID).
    pub department: Option<ID>,
    /// Lists standing here.
    pub status: Option<ListStatus>,
}

#[derive(Default)]
pub struct TaskListQuery;

#[Object]
impl TaskListQuery {
    /// 三单 — the monthly task lists you see, in the order drafted.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn monthly_task_lists(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which lists; all you see when left out.")] filter: Option<MonthlyTaskListFilter>,
    ) -> async_graphql::Result<ConnectionOf<MonthlyTaskList>> {
        let filter = filter.unwrap_or_default();
        let department_id = filter
            .department
            .map(|id| decode_numeric(&id, "Department", "department"))
            .transpose()
            .map_err(|f| from_service(f.into()))?;
        let service_filter = ListFilter {
            region_code: filter.region_code,
            month: filter.month,
            unit_kind: filter.unit_kind,
            department_id,
            status: filter.status,
        };
        let page = page_request::<i64>(first, after.clone())?;
        let rows = svc::list(ctx.db()?, ctx.actor()?, &service_filter, &page).await.api()?;
        let ids: Vec<i64> = rows.items.iter().map(|r| r.id).collect();
        ctx.loaders()?.task_list_items.prime(&ids).await?;
        Ok(connection(rows, after.is_some(), |r| r.id.to_string(), MonthlyTaskList))
    }
}

/// One planned item (晒单).
#[derive(InputObject)]
pub struct TaskListItemInput {
    /// What will be done, at most 2000 characters.
    pub content: String,
    /// The result planned for the month, at most 2000 characters.
    pub planned_result: String,
    /// The project it works on (its global ID), of the list's county.
    pub project: Option<ID>,
    /// The rectification problem it works on (its global ID), of the list's county.
    pub rectification_issue: Option<ID>,
}

fn items(input: Vec<TaskListItemInput>) -> Result<Vec<ItemInput>, Fault> {
    input
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let index = i.to_string();
            let decode = |id: ID, kind: &str, field: &str| {
                decode_numeric(&id, kind, field)
                    .map_err(|f| Fault::new(f.code, &["input", "items", &index, field], f.message))
            };
            Ok(ItemInput {
                content: item.content,
                planned_result: item.planned_result,
                project_id: item.project.map(|id| decode(id, "Project", "project")).transpose()?,
                issue_id: item
                    .rectification_issue
                    .map(|id| decode(id, "RectificationIssue", "rectificationIssue"))
                    .transpose()?,
            })
        })
        .collect()
}

/// A unit's list for a month, drafted with its items.
#[derive(InputObject)]
pub struct MonthlyTaskListCreateInput {
    /// The county (12-digit code).
    pub county_code: String,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Whose list: LEADER (kept by COORDINATOR), DEPARTMENT (by its users), TOWNSHIP and
    /// VILLAGE (by the township's users).
    pub unit_kind: UnitKind,
    /// For a department's list: the department (its global ID).
    pub department: Option<ID>,
    /// For a township's or village's list: its 12-digit code.
    pub region_code: Option<String>,
    /// For a leader's list: the leader's name, at most 50 characters.
    pub leader_name: Option<String>,
    /// What will be done, at most 100 items.
    #[graphql(default)]
    pub items: Vec<TaskListItemInput>,
}

/// A draft's items, replaced.
#[derive(InputObject)]
pub struct MonthlyTaskListUpdateInput {
    /// The list (its global ID).
    pub list: ID,
    /// The `version` you read (`STALE_VERSION` if it has changed since).
    pub expected_version: i32,
    /// The whole list of items.
    pub items: Vec<TaskListItemInput>,
}

/// A step of a list that needs only the day.
#[derive(InputObject)]
pub struct MonthlyTaskListPublishInput {
    /// The list (its global ID).
    pub list: ID,
    /// The `version` you read (`STALE_VERSION` if it has changed since).
    pub expected_version: i32,
    /// The day it was published (China time); today if omitted, not in the future.
    pub date: Option<Date>,
}

/// 跟单 of one item.
#[derive(InputObject)]
pub struct TaskListFollowUpInput {
    /// The item (its ID).
    pub item: ID,
    /// The progress note, at most 2000 characters.
    pub note: String,
    /// Whether it is on track.
    pub on_track: bool,
}

/// 跟单 — the mid-month follow-up of some items.
#[derive(InputObject)]
pub struct MonthlyTaskListFollowUpInput {
    /// The list (its global ID).
    pub list: ID,
    /// The `version` you read.
    pub expected_version: i32,
    /// The day of the follow-up; today if omitted, not before the publication.
    pub date: Option<Date>,
    /// The items followed up.
    pub items: Vec<TaskListFollowUpInput>,
}

/// 清单 of one item.
#[derive(InputObject)]
pub struct TaskListClearingInput {
    /// The item (its ID).
    pub item: ID,
    /// How it ended the month.
    pub outcome: Outcome,
    /// Why it was not done in full: required for PARTLY and NOT_DONE.
    pub reason: Option<String>,
}

/// 清单 — every item's outcome; closes the list.
#[derive(InputObject)]
pub struct MonthlyTaskListClearInput {
    /// The list (its global ID).
    pub list: ID,
    /// The `version` you read.
    pub expected_version: i32,
    /// The day it was cleared; today if omitted, not before the publication.
    pub date: Option<Date>,
    /// Every item of the list, once each.
    pub items: Vec<TaskListClearingInput>,
}

/// What a task-list mutation did.
#[derive(SimpleObject)]
pub struct MonthlyTaskListPayload {
    /// The list as it now is; null when refused.
    pub list: Option<MonthlyTaskList>,
    /// Why it was refused; empty when it was done.
    pub user_errors: Vec<UserError>,
}

fn list_payload(
    result: Result<task_list::Model, crate::service::ServiceError>,
) -> async_graphql::Result<MonthlyTaskListPayload> {
    let (row, user_errors) = payload(result)?;
    Ok(MonthlyTaskListPayload {
        list: row.map(MonthlyTaskList),
        user_errors,
    })
}

fn item_id(id: &ID, index: usize) -> Result<i64, Fault> {
    decode_numeric(id, "TaskListItem", "item")
        .map_err(|f| Fault::new(f.code, &["input", "items", &index.to_string(), "item"], f.message))
}

#[derive(Default)]
pub struct TaskListMutation;

#[Object]
impl TaskListMutation {
    /// 三单 — drafts a unit's list for a month (its keeper: the unit's users; COORDINATOR for
    /// a leader's).
    async fn monthly_task_list_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The unit, the month and the items.")] input: MonthlyTaskListCreateInput,
    ) -> async_graphql::Result<MonthlyTaskListPayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let department_id = input
                .department
                .map(|id| decode_numeric(&id, "Department", "department"))
                .transpose()?;
            let input = ListInput {
                county_code: input.county_code,
                month: input.month,
                unit: UnitInput {
                    kind: input.unit_kind,
                    department_id,
                    region_code: input.region_code,
                    leader_name: input.leader_name,
                },
                items: items(input.items)?,
            };
            svc::create(db, actor, input).await
        }
        .await;
        list_payload(result)
    }

    /// Replaces a draft's items.
    async fn monthly_task_list_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The list and its items.")] input: MonthlyTaskListUpdateInput,
    ) -> async_graphql::Result<MonthlyTaskListPayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.list, "MonthlyTaskList", "list")?;
            svc::update_items(db, actor, id, input.expected_version, items(input.items)?).await
        }
        .await;
        list_payload(result)
    }

    /// 晒单 — publishes a draft: its items are locked, and the list may be shown to the public.
    async fn monthly_task_list_publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The list.")] input: MonthlyTaskListPublishInput,
    ) -> async_graphql::Result<MonthlyTaskListPayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.list, "MonthlyTaskList", "list")?;
            svc::publish(db, actor, id, input.expected_version, input.date.map(|d| d.0)).await
        }
        .await;
        list_payload(result)
    }

    /// 跟单 — records the mid-month follow-up of some items of a published list.
    async fn monthly_task_list_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The list and the items followed up.")] input: MonthlyTaskListFollowUpInput,
    ) -> async_graphql::Result<MonthlyTaskListPayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.list, "MonthlyTaskList", "list")?;
            let mut follow_ups = Vec::with_capacity(input.items.len());
            for (i, f) in input.items.into_iter().enumerate() {
                follow_ups.push(FollowUp {
                    item_id: item_id(&f.item, i)?,
                    note: f.note,
                    on_track: f.on_track,
                });
            }
            svc::follow_up(
                db,
                actor,
                id,
                input.expected_version,
                input.date.map(|d| d.0),
                follow_ups,
            )
            .await
        }
        .await;
        list_payload(result)
    }

    /// 清单 — gives every item its outcome and closes the list.
    async fn monthly_task_list_clear(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The list and every item's outcome.")] input: MonthlyTaskListClearInput,
    ) -> async_graphql::Result<MonthlyTaskListPayload> {
        let (db, actor) = (ctx.db()?, ctx.actor()?);
        let result = async {
            let id = decode_numeric(&input.list, "MonthlyTaskList", "list")?;
            let mut clearings = Vec::with_capacity(input.items.len());
            for (i, c) in input.items.into_iter().enumerate() {
                clearings.push(Clearing {
                    item_id: item_id(&c.item, i)?,
                    outcome: c.outcome,
                    reason: c.reason,
                });
            }
            svc::clear(
                db,
                actor,
                id,
                input.expected_version,
                input.date.map(|d| d.0),
                clearings,
            )
            .await
        }
        .await;
        list_payload(result)
    }
}
