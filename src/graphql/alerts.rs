//! 逾期预警 — `alerts(regionCode, kinds, asOf)`: everything late in a region on a day, with
//! the unit responsible and the days overdue.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::OrApiError;
use super::object::Plain;
use super::projects::Project;
use super::rectification::RectificationIssue;
use super::regions::{Region, region_of};
use super::scalars::Date;
use super::task_lists::MonthlyTaskList;
use crate::domain::alerts::{AlertKind, NO_PROGRESS_DAYS};
use crate::domain::calendar;
use crate::service::alerts::{self as svc, Subject};
use async_graphql::{Context, Object};

pub struct Alert(svc::Alert);

/// One kind of lateness of an object, today.
#[derive(async_graphql::SimpleObject)]
pub struct Overdue {
    /// What kind of lateness.
    pub kind: AlertKind,
    /// The kind as the county writes it.
    pub kind_name: &'static str,
    /// The day it was due by.
    pub due_on: Date,
    /// Days past the due day.
    pub days_overdue: i32,
}

impl Overdue {
    pub fn of((kind, due_on, days): (AlertKind, chrono::NaiveDate, i64)) -> Overdue {
        Overdue {
            kind,
            kind_name: kind.chinese_name(),
            due_on: Date(due_on),
            days_overdue: i32::try_from(days).unwrap_or(i32::MAX),
        }
    }
}

/// 逾期预警 — one late thing: a project, a rectification problem or a monthly list item.
#[Object]
impl Alert {
    /// What kind of lateness.
    async fn kind(&self) -> AlertKind {
        self.0.kind
    }
    /// The kind as the county writes it (逾期未认领, 整改逾期, …).
    async fn kind_name(&self) -> &'static str {
        self.0.kind.chinese_name()
    }
    /// The day it was due by: the claim deadline, the planned start or finish, the day the
    /// next progress report was due, the problem's deadline, the month's last day.
    async fn due_on(&self) -> Date {
        Date(self.0.due_on)
    }
    /// Days past the due day.
    async fn days_overdue(&self) -> i32 {
        i32::try_from(self.0.days_overdue).unwrap_or(i32::MAX)
    }
    /// What is late, in words: the project's code and name, the problem, the list item.
    async fn description(&self) -> String {
        self.0.describe()
    }
    /// The project, for the project kinds.
    async fn project(&self) -> Option<Project> {
        match &self.0.subject {
            Subject::Project(p) => Some(Project(p.clone())),
            _ => None,
        }
    }
    /// The problem, for RECTIFICATION_OVERDUE.
    async fn rectification_issue(&self) -> Option<RectificationIssue> {
        match &self.0.subject {
            Subject::Issue(i) => Some(RectificationIssue(i.clone())),
            _ => None,
        }
    }
    /// The list, for TASK_ITEM_NOT_CLEARED.
    async fn task_list(&self) -> Option<MonthlyTaskList> {
        match &self.0.subject {
            Subject::TaskItem(l, _) => Some(MonthlyTaskList(l.clone())),
            _ => None,
        }
    }
    /// The gap, for EXIT_GAP_OVERDUE.
    async fn exit_gap(&self) -> Option<super::exit::ExitGap> {
        match &self.0.subject {
            Subject::ExitGap(g) => Some(super::exit::ExitGap(g.clone())),
            _ => None,
        }
    }
    /// The plan version whose adjustment is not yet disclosed, for DISCLOSURE_OVERDUE.
    async fn plan_version(&self) -> Option<i32> {
        match &self.0.subject {
            Subject::PlanAdjustment(p) => Some(p.version),
            _ => None,
        }
    }
    /// The item's place on its list, for TASK_ITEM_NOT_CLEARED.
    async fn task_item_position(&self) -> Option<i32> {
        match &self.0.subject {
            Subject::TaskItem(_, item) => Some(item.position),
            _ => None,
        }
    }
    /// 责任单位 when it is a department (for a project, the one holding it on the day).
    async fn responsible_department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.department_id).await
    }
    /// 责任单位 when it is a township or village (for a project no department holds, its
    /// township).
    async fn responsible_region(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Region>>> {
        region_of(ctx, self.0.region_code.as_deref()).await
    }
}

#[derive(Default)]
pub struct AlertQuery;

#[Object]
impl AlertQuery {
    /// 逾期预警 — what is overdue in a region at the end of a day, of what you see, most
    /// days overdue first. Each kind has one definition (see `AlertKind`); something is
    /// overdue from the day after its due day. Projects and problems are read as they stood
    /// on the day, from their steps' business dates.
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region (12-digit code).")] region_code: String,
        #[graphql(desc = "Only these kinds; all when left out.")] kinds: Option<Vec<AlertKind>>,
        #[graphql(desc = "The day (China time); today when left out.")] as_of: Option<Date>,
        #[graphql(desc = "For NO_PROGRESS: the days a site may go without a progress report, 1–365 (default 30).")]
        no_progress_days: Option<i32>,
    ) -> async_graphql::Result<Vec<Alert>> {
        let as_of = as_of.map_or_else(calendar::today, |d| d.0);
        let days = no_progress_days.map_or(NO_PROGRESS_DAYS, |d| u32::try_from(d).unwrap_or(0));
        let alerts = svc::alerts(
            ctx.db()?,
            ctx.actor()?,
            &region_code,
            &kinds.unwrap_or_default(),
            as_of,
            days,
        )
        .await
        .api()?;
        Ok(alerts.into_iter().map(Alert).collect())
    }
}
