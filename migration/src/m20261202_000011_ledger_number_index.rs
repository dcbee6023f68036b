//! Indexes for finding an entry by its number where the number must not repeat unconfirmed:
//! a receipt's 文号 on its line, a payment's voucher number in its county.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerEntry {
    Table,
    FundLineId,
    CountyCode,
    DocumentNo,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_line_number")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::FundLineId)
                    .col(LedgerEntry::DocumentNo)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_county_number")
                    .table(LedgerEntry::Table)
                    .col(LedgerEntry::CountyCode)
                    .col(LedgerEntry::DocumentNo)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_ledger_county_number", "idx_ledger_line_number"] {
            manager
                .drop_index(Index::drop().name(name).table(LedgerEntry::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
