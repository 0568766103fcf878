package dev.bulwark.db.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class PgPlaceholdersTest {

  private static String rendered(String sql, Object... params) {
    String[] pieces = PgPlaceholders.split(sql);
    String[] types = PgPlaceholders.types(params);
    return pieces == null || types == null ? null : PgPlaceholders.render(pieces, types);
  }

  @Test
  void placeholders_becomeNumberedParameters_typedAsPgjdbcTypesTheirClass() {
    assertThat(rendered("SELECT a FROM t WHERE id = ? AND name = ? AND ok = ? AND n IS ?",
        5L, "x", true, null))
        .isEqualTo("SELECT a FROM t WHERE id = $1::int8 AND name = $2::varchar AND ok = $3::bool"
            + " AND n IS $4");
    assertThat(rendered("SELECT ?, ?, ?, ?, ?", 1, (short) 2, 1.5d, 2.5f, new BigDecimal("3.25")))
        .isEqualTo("SELECT $1::int4, $2::int2, $3::float8, $4::float4, $5::numeric");
  }

  @Test
  void questionMarks_insideQuotesCommentsAndDollarBodies_areLeftAlone() {
    assertThat(rendered("SELECT '?', \"a?\", $$?$$, $tag$ ? $tag$ -- ?\n /* ? /* ? */ ? */ FROM t WHERE x = ?", 1L))
        .isEqualTo("SELECT '?', \"a?\", $$?$$, $tag$ ? $tag$ -- ?\n /* ? /* ? */ ? */ FROM t WHERE x = $1::int8");
    assertThat(rendered("SELECT 'it''s ?', E'\\' ?' FROM t WHERE x = ?", 1L))
        .isEqualTo("SELECT 'it''s ?', E'\\' ?' FROM t WHERE x = $1::int8");
  }

  @Test
  void doubledQuestionMark_isPgjdbcsEscapeForALiteralOne() {
    assertThat(rendered("SELECT j ?? 'k' FROM t WHERE id = ?", 7L))
        .isEqualTo("SELECT j ? 'k' FROM t WHERE id = $1::int8");
  }

  @Test
  void statementsThatCannotBeSplitSafely_orParametersOfOtherClasses_areRefused() {
    assertThat(PgPlaceholders.split("SELECT 'open")).isNull();
    assertThat(PgPlaceholders.split("SELECT /* open")).isNull();
    assertThat(PgPlaceholders.split("SELECT $$ open")).isNull();
    assertThat(PgPlaceholders.split("SELECT * FROM t WHERE id = $1")).isNull();
    assertThat(PgPlaceholders.split("SELECT {fn ucase(?)}")).isNull();
    assertThat(PgPlaceholders.split("SELECT ?[1]")).isNull();
    assertThat(rendered("SELECT ?", java.time.LocalDate.of(2026, 1, 1))).isNull();
    assertThat(rendered("SELECT ?", (Object) new byte[] {1})).isNull();
  }

  @Test
  void identifiersWithDollarSigns_areNotDollarQuotes() {
    assertThat(rendered("SELECT a$b FROM t WHERE x = ?", 1L))
        .isEqualTo("SELECT a$b FROM t WHERE x = $1::int8");
  }
}
