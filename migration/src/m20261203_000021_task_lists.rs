//! 三单 — the monthly task lists: one per unit and month, its items with the planned
//! result, the mid-month follow-up and the month-end outcome.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TaskList {
    Table,
    Id,
    CountyCode,
    Month,
    UnitKind,
    UnitKey,
    UnitDepartmentId,
    UnitRegionCode,
    LeaderName,
    Status,
    PublishedOn,
    ClearedOn,
    Version,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TaskListItem {
    Table,
    Id,
    ListId,
    Position,
    Content,
    PlannedResult,
    ProjectId,
    IssueId,
    FollowUpNote,
    OnTrack,
    FollowedUpOn,
    Outcome,
    OutcomeReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use TaskList as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(big_pk_auto(L::Id))
                    .col(string_len(L::CountyCode, 12))
                    .col(string_len(L::Month, 7))
                    .col(string_len(L::UnitKind, 16))
                    .col(string_len(L::UnitKey, 80))
                    .col(big_integer_null(L::UnitDepartmentId))
                    .col(string_len_null(L::UnitRegionCode, 12))
                    .col(string_len_null(L::LeaderName, 50))
                    .col(string_len(L::Status, 16))
                    .col(date_null(L::PublishedOn))
                    .col(date_null(L::ClearedOn))
                    .col(integer(L::Version).default(1))
                    .col(string_len(L::CreatedBy, 64))
                    .col(timestamp_with_time_zone(L::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_task_list_unit_month")
                    .table(L::Table)
                    .col(L::CountyCode)
                    .col(L::Month)
                    .col(L::UnitKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use TaskListItem as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(big_pk_auto(I::Id))
                    .col(big_integer(I::ListId))
                    .col(integer(I::Position))
                    .col(text(I::Content))
                    .col(text(I::PlannedResult))
                    .col(big_integer_null(I::ProjectId))
                    .col(big_integer_null(I::IssueId))
                    .col(text_null(I::FollowUpNote))
                    .col(boolean_null(I::OnTrack))
                    .col(date_null(I::FollowedUpOn))
                    .col(string_len_null(I::Outcome, 16))
                    .col(text_null(I::OutcomeReason))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_list_item_list")
                    .table(I::Table)
                    .col(I::ListId)
                    .col(I::Position)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["task_list_item", "task_list"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
