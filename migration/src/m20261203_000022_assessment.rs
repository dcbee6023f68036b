//! 督考 — each county's scoring schemes, versioned by the day each takes effect, and their
//! rules: an indicator, its weight and (for a count) the points each item costs.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AssessmentScheme {
    Table,
    Id,
    CountyCode,
    Version,
    EffectiveFrom,
    Name,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AssessmentRule {
    Table,
    Id,
    SchemeId,
    Unit,
    Indicator,
    WeightHundredths,
    DeductionHundredths,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AssessmentScheme as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(big_pk_auto(S::Id))
                    .col(string_len(S::CountyCode, 12))
                    .col(integer(S::Version))
                    .col(date(S::EffectiveFrom))
                    .col(string_len(S::Name, 200))
                    .col(string_len(S::CreatedBy, 64))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_assessment_scheme_version")
                    .table(S::Table)
                    .col(S::CountyCode)
                    .col(S::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use AssessmentRule as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(big_integer(R::SchemeId))
                    .col(string_len(R::Unit, 16))
                    .col(string_len(R::Indicator, 32))
                    .col(big_integer(R::WeightHundredths))
                    .col(big_integer_null(R::DeductionHundredths))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assessment_rule_scheme")
                    .table(R::Table)
                    .col(R::SchemeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["assessment_rule", "assessment_scheme"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
