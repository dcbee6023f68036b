//! 达标登记 — one judgement of a village on an indicator, kept for ever: the register on a
//! day is each indicator's last judgement dated by then.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "exit_judgement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub village_code: String,
    pub indicator_code: String,
    /// MET, GAP or NOT_APPLICABLE.
    pub state: String,
    /// A measured value, an exact decimal as text.
    pub value: Option<String>,
    pub evidence: Option<String>,
    /// Document references, as a JSON array of strings.
    pub documents: Option<String>,
    /// The project whose acceptance met it.
    pub project_id: Option<i64>,
    /// The day it was judged (China time).
    pub judged_on: Date,
    pub judged_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
