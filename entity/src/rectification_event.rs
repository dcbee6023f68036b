//! One step of a problem's rectification: filed, taken up, reported done, closed, returned
//! or reopened — by whom, on which day, with what note or evidence.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "rectification_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub issue_id: i64,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_id: Option<i64>,
    pub actor_username: String,
    pub actor_role: String,
    /// The day the step happened (China time).
    pub happened_on: Date,
    pub occurred_at: DateTimeUtc,
    pub note: Option<String>,
    /// 整改材料 — what was done, for a submission.
    pub evidence: Option<String>,
    /// References to the attachments that show it, as a JSON array of strings.
    pub attachments: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
