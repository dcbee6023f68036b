//! Failed sign-ins, counted per username and per client address to slow down guessing.
//! Kept in the database so that every server behind a load balancer sees the same counts.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginFailure {
    Table,
    Id,
    Username,
    ClientAddress,
    OccurredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginFailure::Table)
                    .col(big_pk_auto(LoginFailure::Id))
                    .col(string_len(LoginFailure::Username, 64))
                    .col(string_len(LoginFailure::ClientAddress, 64))
                    .col(timestamp_with_time_zone(LoginFailure::OccurredAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_login_failure_user", LoginFailure::Username),
            ("idx_login_failure_client", LoginFailure::ClientAddress),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(LoginFailure::Table)
                        .col(column)
                        .col(LoginFailure::OccurredAt)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginFailure::Table).to_owned())
            .await
    }
}
