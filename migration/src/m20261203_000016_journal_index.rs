//! The journal's order: a county's entries by business date, then as recorded, so a page
//! of `ledgerEntries` reads its rows in index order rather than sorting the county's ledger.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    CountyCode,
    EntryDate,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_journal")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::CountyCode)
                    .col(LedgerEntry::EntryDate)
                    .col(LedgerEntry::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_ledger_journal")
                    .table(LedgerEntry::Table)
                    .to_owned(),
            )
            .await
    }
}
