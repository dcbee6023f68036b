//! Business dates (DESIGN §8): every lifecycle step carries the day it happened
//! (`project_event.happened_on`) besides when it was recorded, and the construction figures
//! are kept as dated changes (`construction_total`) so that any day's figures are a sum
//! over a few rows per group instead of a replay of every event.
//!
//! Existing steps get the day they name (a milestone's, construction start, completion, a
//! progress report's) or else the China day (UTC+8) they were recorded on. The dated
//! changes of existing projects are computed by the server when it starts (`tracker`
//! rebuilds them while the table is empty): the rules that make them are the domain's.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProjectEvent {
    Table,
    HappenedOn,
}

#[derive(DeriveIden)]
enum ConstructionTotal {
    Table,
    Year,
    TownshipCode,
    CountyCode,
    Sector,
    DepartmentId,
    Month,
    Day,
    ProjectCount,
    StartedCount,
    CompletedCount,
    CompletedQuantityMilli,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProjectEvent::Table)
                    .add_column(date(ProjectEvent::HappenedOn).default("1970-01-01"))
                    .to_owned(),
            )
            .await?;
        let recorded_day = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "((occurred_at AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date",
            _ => "date(occurred_at, '+8 hours')",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE project_event SET happened_on = CASE \
                 WHEN action IN ('RECORD_PREPARATION', 'START_CONSTRUCTION', 'COMPLETE', 'REPORT_PROGRESS') \
                 AND event_date IS NOT NULL THEN event_date ELSE {recorded_day} END"
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConstructionTotal::Table)
                    .col(integer(ConstructionTotal::Year))
                    .col(string(ConstructionTotal::TownshipCode))
                    .col(string(ConstructionTotal::CountyCode))
                    .col(string(ConstructionTotal::Sector))
                    .col(big_integer(ConstructionTotal::DepartmentId))
                    .col(integer(ConstructionTotal::Month))
                    .col(integer(ConstructionTotal::Day))
                    .col(big_integer(ConstructionTotal::ProjectCount))
                    .col(big_integer(ConstructionTotal::StartedCount))
                    .col(big_integer(ConstructionTotal::CompletedCount))
                    .col(big_integer(ConstructionTotal::CompletedQuantityMilli))
                    .primary_key(
                        Index::create()
                            .col(ConstructionTotal::Year)
                            .col(ConstructionTotal::TownshipCode)
                            .col(ConstructionTotal::CountyCode)
                            .col(ConstructionTotal::Sector)
                            .col(ConstructionTotal::DepartmentId)
                            .col(ConstructionTotal::Month)
                            .col(ConstructionTotal::Day),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConstructionTotal::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProjectEvent::Table)
                    .drop_column(ProjectEvent::HappenedOn)
                    .to_owned(),
            )
            .await
    }
}
