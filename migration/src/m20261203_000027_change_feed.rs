//! 变更推送 — the change feed: one row for each change a subscription can follow (a
//! project's step, a progress report, a ledger entry), written in the change's transaction.
//! Its id is the cursor a client that reconnects asks to resume from.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChangeEvent {
    Table,
    Id,
    Change,
    Detail,
    ProjectId,
    LedgerEntryId,
    CountyCode,
    TownshipCode,
    OccurredOn,
    RecordedAt,
    Origin,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ChangeEvent as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(big_pk_auto(E::Id))
                    .col(string_len(E::Change, 16))
                    .col(string_len(E::Detail, 32))
                    .col(big_integer_null(E::ProjectId))
                    .col(big_integer_null(E::LedgerEntryId))
                    .col(string_len(E::CountyCode, 12))
                    .col(string_len_null(E::TownshipCode, 12))
                    .col(date(E::OccurredOn))
                    .col(timestamp_with_time_zone(E::RecordedAt))
                    .col(string_len(E::Origin, 32))
                    .to_owned(),
            )
            .await?;
        // A replay reads a county's changes after a cursor.
        manager
            .create_index(
                Index::create()
                    .name("idx_change_event_county")
                    .table(E::Table)
                    .col(E::CountyCode)
                    .col(E::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new("change_event")).to_owned())
            .await
    }
}
