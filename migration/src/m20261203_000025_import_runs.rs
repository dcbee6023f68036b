//! 导入 — each import of a spreadsheet: who, when, the file's name and hash, how it ran, how
//! many rows were written, unchanged, in conflict or refused, and the row-by-row report.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRun {
    Table,
    Id,
    Kind,
    FileName,
    Sha256,
    Mode,
    Committed,
    RowsTotal,
    RowsWritten,
    RowsUnchanged,
    RowsConflicting,
    RowsRefused,
    Problem,
    Report,
    CreatedBy,
    RegionCode,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ImportRun as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(string_len(R::Kind, 32))
                    .col(string_len(R::FileName, 255))
                    .col(string_len(R::Sha256, 64))
                    .col(string_len(R::Mode, 16))
                    .col(boolean(R::Committed))
                    .col(integer(R::RowsTotal))
                    .col(integer(R::RowsWritten))
                    .col(integer(R::RowsUnchanged))
                    .col(integer(R::RowsConflicting))
                    .col(integer(R::RowsRefused))
                    .col(text_null(R::Problem))
                    .col(text(R::Report))
                    .col(string_len(R::CreatedBy, 64))
                    .col(string_len_null(R::RegionCode, 12))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("import_run")).to_owned())
            .await
    }
}
