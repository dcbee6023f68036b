//! 质保金 — each county's retention terms: the share held back and the guarantee period,
//! with the document that sets them. A county without a row has the national terms.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RetentionPolicy {
    Table,
    CountyCode,
    RateBp,
    GuaranteeMonths,
    Source,
    UpdatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RetentionPolicy::Table)
                    .col(string_len(RetentionPolicy::CountyCode, 12).primary_key())
                    .col(integer(RetentionPolicy::RateBp))
                    .col(integer(RetentionPolicy::GuaranteeMonths))
                    .col(string_len(RetentionPolicy::Source, 200))
                    .col(string_len(RetentionPolicy::UpdatedBy, 64))
                    .col(timestamp_with_time_zone(RetentionPolicy::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RetentionPolicy::Table).to_owned())
            .await
    }
}
