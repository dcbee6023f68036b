//! Construction progress reports (进度填报): each kept, the latest the project's progress.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProgressReport {
    Table,
    Id,
    ProjectId,
    BasedOnVersion,
    CompletedQuantityMilli,
    InvestedFen,
    ReportedOn,
    Note,
    IsCorrection,
    ReportedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Project {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProgressReport::Table)
                    .col(big_pk_auto(ProgressReport::Id))
                    .col(big_integer(ProgressReport::ProjectId))
                    .col(integer(ProgressReport::BasedOnVersion))
                    .col(big_integer(ProgressReport::CompletedQuantityMilli))
                    .col(big_integer(ProgressReport::InvestedFen))
                    .col(date(ProgressReport::ReportedOn))
                    .col(text_null(ProgressReport::Note))
                    .col(boolean(ProgressReport::IsCorrection).default(false))
                    .col(string_len(ProgressReport::ReportedBy, 64))
                    .col(timestamp_with_time_zone(ProgressReport::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_progress_project")
                            .from(ProgressReport::Table, ProgressReport::ProjectId)
                            .to(Project::Table, Project::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_progress_project")
                    .table(ProgressReport::Table)
                    .col(ProgressReport::ProjectId)
                    .col(ProgressReport::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProgressReport::Table).to_owned())
            .await
    }
}
