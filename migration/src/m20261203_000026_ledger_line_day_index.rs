//! A line's entries by kind and day, with their amounts: a line's balance from a day on
//! (`funds::line_movements`) reads that range from the index alone, instead of every entry
//! of the line. It takes the place of `idx_ledger_line` (line, kind), its prefix.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    FundLineId,
    Kind,
    EntryDate,
    AmountFen,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_line_day")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::FundLineId)
                    .col(LedgerEntry::Kind)
                    .col(LedgerEntry::EntryDate)
                    .col(LedgerEntry::AmountFen)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_ledger_line")
                    .table(LedgerEntry::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_line")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::FundLineId)
                    .col(LedgerEntry::Kind)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_ledger_line_day")
                    .table(LedgerEntry::Table)
                    .to_owned(),
            )
            .await
    }
}
