//! An index for a project's latest progress report: the latest by the day it reports on,
//! then by recording (DESIGN §8, "latest").
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProgressReport {
    Table,
    ProjectId,
    ReportedOn,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_progress_project_reported")
                    .table(ProgressReport::Table)
                    .col(ProgressReport::ProjectId)
                    .col(ProgressReport::ReportedOn)
                    .col(ProgressReport::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_progress_project_reported")
                    .table(ProgressReport::Table)
                    .to_owned(),
            )
            .await
    }
}
