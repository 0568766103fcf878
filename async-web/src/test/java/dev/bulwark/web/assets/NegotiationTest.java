package dev.bulwark.web.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Header parsing and name rules, without a server. */
class NegotiationTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "gzip, deflate, br | true | true | br",
      "gzip | true | true | gzip",
      "br;q=0.5, gzip;q=0.9 | true | true | gzip",
      "br;q=1.0, gzip;q=1.0 | true | true | br",
      "gzip;q=0 | false | true | NULL",
      "* | false | true | gzip",
      "*;q=0.1, gzip;q=0 | true | true | br",
      "identity | true | true | NULL",
      "x-gzip | false | true | gzip",
      "GZIP;Q=0.5 | false | true | gzip",
      "br;q=bogus | true | false | NULL",
      "br;q=2 | true | false | NULL",
      "br | false | false | NULL",
  })
  void chooseEncoding_honoursQualityValues(String header, boolean br, boolean gzip, String expected) {
    assertThat(Negotiation.chooseEncoding(header, br, gzip)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "bytes=0-99 | 0 | 99",
      "bytes=10- | 10 | 999",
      "bytes=-100 | 900 | 999",
      "bytes=-5000 | 0 | 999",
      "bytes=990-5000 | 990 | 999",
      "BYTES=1-1 | 1 | 1",
  })
  void range_parsesOneRange(String header, long first, long last) {
    assertThat(Negotiation.range(header, 1000)).isEqualTo(new Negotiation.ByteRange(first, last));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"bytes=1000-", "bytes=-0", "bytes=5000-6000"})
  void range_outsideIsUnsatisfiable(String header) {
    assertThat(Negotiation.range(header, 1000)).isSameAs(Negotiation.UNSATISFIABLE);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"items=0-1", "bytes=0-1,3-4", "bytes=5-1", "bytes=a-b",
      "bytes=-", "bytes=1", "bytes=99999999999999999999-"})
  void range_malformedOrSeveralIsIgnored(String header) {
    assertThat(Negotiation.range(header, 1000)).isNull();
  }

  @Test
  void noneMatch_comparesWeakly() {
    assertThat(Negotiation.noneMatchHits("W/\"abc\"", "\"abc\"")).isTrue();
    assertThat(Negotiation.noneMatchHits("\"x\", \"abc\"", "\"abc\"")).isTrue();
    assertThat(Negotiation.noneMatchHits("*", "\"abc\"")).isTrue();
    assertThat(Negotiation.noneMatchHits("\"abcd\"", "\"abc\"")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "app.0123abcd.js | app.js",
      "css/site.0123abcd.css | css/site.css",
      "LICENSE.0123abcd | LICENSE",
      "jquery.min.0123abcd.js | jquery.min.js",
      "app.0123ABCD.js | NULL",
      "app.0123abc.js | NULL",
      "app.js | NULL",
  })
  void stripFingerprint_findsTheLogicalName(String name, String expected) {
    assertThat(AssetCatalog.stripFingerprint(name, 8)).isEqualTo(expected);
  }

  @Test
  void fingerprint_goesBeforeTheLastExtension() {
    assertThat(AssetCatalog.fingerprint("css/site.min.css", "0123abcd")).isEqualTo("css/site.min.0123abcd.css");
    assertThat(AssetCatalog.fingerprint("v1.0/LICENSE", "0123abcd")).isEqualTo("v1.0/LICENSE.0123abcd");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "app.js | app.js",
      "css/site.css | css/site.css",
      "my%20file.txt | my file.txt",
      "caf%C3%A9.png | caf\u00e9.png",
      "%252e%252e | %2e%2e",
  })
  void decode_acceptsPlainNames(String raw, String expected) throws Exception {
    assertThat(RequestPath.decode(raw)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "../x | 400", "%2e%2e/x | 400", "a/%2e | 400", "a%2fb | 400", "a%5cb | 400", "a\\b | 400",
      "a%00 | 400", "%c0%ae%c0%ae | 400", "%e0%80%ae | 400", "a//b | 400", "a/ | 400", "%zz | 400",
      "% | 400", "%e9 | 400", ".env | 404", "a/%2egit/config | 404"})
  void decode_refusesHostileNames(String raw, int status) {
    assertThatThrownBy(() -> RequestPath.decode(raw))
        .isInstanceOfSatisfying(RequestPath.Refused.class, e -> assertThat(e.status()).isEqualTo(status));
  }
}
