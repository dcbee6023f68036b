//! 质保金 — a project's retention (`Project.retention`), the retentions falling due in a
//! region (`retentionsDue`), and each county's terms (`retentionTerms`,
//! `retentionTermsSet`).
use super::context::ContextExt;
use super::errors::{OrApiError, UserError, payload};
use super::projects::Project;
use super::scalars::{Date, DateTime, Decimal, yuan};
use crate::domain::retention::Retention;
use crate::service::retention::{self as svc, Policy};
use async_graphql::{Context, InputObject, Object, SimpleObject};

pub struct ProjectRetention {
    pub project_id: i64,
    pub retention: Retention,
}

/// 质保金 — what a project holds back until its guarantee period after acceptance has run:
/// the county's rate of the money allocated to it.
#[Object]
impl ProjectRetention {
    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        Ok(ctx.loaders()?.projects.load_one(&self.project_id).await?.map(Project))
    }
    /// 质保金比例 — the county's rate, as a percentage.
    async fn rate(&self) -> Decimal {
        Decimal(self.retention.terms.rate_percent())
    }
    /// 缺陷责任期 — the county's guarantee period, in months.
    async fn guarantee_months(&self) -> i32 {
        i32::try_from(self.retention.terms.guarantee_months).unwrap_or(i32::MAX)
    }
    /// 应留质保金 — the rate of what has been allocated to the project, in yuan (to the fen,
    /// half up).
    async fn required(&self) -> Decimal {
        yuan(self.retention.required)
    }
    /// 实留质保金 — what the project's ordinary payments have left of `required`, in yuan:
    /// less when they paid into the share to be held back (未足额预留).
    async fn withheld(&self) -> Decimal {
        yuan(self.retention.withheld)
    }
    /// 已退还 — retention paid (`isRetention` payments), in yuan.
    async fn paid(&self) -> Decimal {
        yuan(self.retention.paid)
    }
    /// 待退还 — withheld and not yet paid, in yuan (never below 0).
    async fn due(&self) -> Decimal {
        yuan(self.retention.due)
    }
    /// 到期日 — the acceptance day plus the guarantee period; null until accepted.
    async fn due_on(&self) -> Option<Date> {
        self.retention.due_on.map(Date)
    }
    /// 逾期 — still owed after the day it fell due.
    async fn overdue(&self) -> bool {
        self.retention.overdue
    }
}

/// 质保金规定 — a county's retention terms.
pub struct RetentionTerms(Policy);

/// 质保金规定 — the share a county holds back of a project's money and the guarantee period
/// (缺陷责任期) after acceptance; the national terms while the county has set none.
#[Object]
impl RetentionTerms {
    /// The county's 12-digit code.
    async fn county_code(&self) -> &str {
        &self.0.county_code
    }
    /// 质保金比例, as a percentage (3.00 is 3 %).
    async fn rate(&self) -> Decimal {
        Decimal(self.0.terms.rate_percent())
    }
    /// 缺陷责任期, in months.
    async fn guarantee_months(&self) -> i32 {
        i32::try_from(self.0.terms.guarantee_months).unwrap_or(i32::MAX)
    }
    /// 依据 — the document that sets them.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// Whether these are the national terms (the county has set none).
    async fn national(&self) -> bool {
        self.0.row.is_none()
    }
    /// Who set the county's terms.
    async fn updated_by(&self) -> Option<&str> {
        self.0.row.as_ref().map(|r| r.updated_by.as_str())
    }
    /// When the county's terms were set.
    async fn updated_at(&self) -> Option<DateTime> {
        self.0.row.as_ref().map(|r| DateTime(r.updated_at))
    }
}

#[derive(Default)]
pub struct RetentionQuery;

#[Object]
impl RetentionQuery {
    /// 到期质保金 — the accepted projects of a region (as you see them) that still owe
    /// retention falling due on or before `before`, the earliest first; those past due say
    /// `overdue`.
    async fn retentions_due(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region (its 12-digit code).")] region_code: String,
        #[graphql(desc = "Falling due on or before this day.")] before: Date,
    ) -> async_graphql::Result<Vec<ProjectRetention>> {
        let owed = svc::due(ctx.db()?, ctx.actor()?, &region_code, before.0).await.api()?;
        let ids: Vec<i64> = owed.iter().map(|(p, _)| p.id).collect();
        ctx.loaders()?.projects.prime(&ids).await?;
        Ok(owed
            .into_iter()
            .map(|(p, retention)| ProjectRetention {
                project_id: p.id,
                retention,
            })
            .collect())
    }

    /// 质保金规定 — a county's retention terms.
    async fn retention_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county's 12-digit code.")] county_code: String,
    ) -> async_graphql::Result<RetentionTerms> {
        svc::policy(ctx.db()?, ctx.actor()?, &county_code)
            .await
            .api()
            .map(RetentionTerms)
    }
}

/// A county's retention terms.
#[derive(InputObject)]
pub struct RetentionTermsSetInput {
    /// The county's 12-digit code.
    pub county_code: String,
    /// 质保金比例, a percentage from 0 to 10 with at most 2 decimals (the national cap for
    /// construction contracts is 3; some counties hold back 10 until the audit).
    pub rate: Decimal,
    /// 缺陷责任期, 0 to 60 months.
    pub guarantee_months: i32,
    /// 依据 — the document that sets them; required, at most 200 characters.
    pub source: String,
}

/// What `retentionTermsSet` did.
#[derive(SimpleObject)]
pub struct RetentionTermsPayload {
    /// The county's terms as they now are; null when refused.
    pub retention_terms: Option<RetentionTerms>,
    /// Why it was refused; empty when the terms were set.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct RetentionMutation;

#[Object]
impl RetentionMutation {
    /// 质保金规定 — sets a county's retention terms (FINANCE, ADMIN). They apply to every
    /// project of the county from then on.
    async fn retention_terms_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, rate, guarantee period and source document.")] input: RetentionTermsSetInput,
    ) -> async_graphql::Result<RetentionTermsPayload> {
        let result = svc::set_policy(
            ctx.db()?,
            ctx.actor()?,
            &input.county_code,
            input.rate.0,
            input.guarantee_months,
            &input.source,
        )
        .await;
        let (policy, user_errors) = payload(result)?;
        Ok(RetentionTermsPayload {
            retention_terms: policy.map(RetentionTerms),
            user_errors,
        })
    }
}
