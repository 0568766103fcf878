package dev.bulwark.web.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultWriterTest {

  /** Records what a writer sends, as the response cache's recorder does, keeping the body itself. */
  private static final class Sent implements ResultWriter.Sink {
    int status;
    final List<String> headers = new ArrayList<>();
    Object body;

    @Override
    public void status(int status) {
      this.status = status;
    }

    @Override
    public void header(CharSequence name, CharSequence value) {
      headers.add(name + ": " + value);
    }

    @Override
    public boolean hasHeader(CharSequence name) {
      return headers.stream().anyMatch(h -> h.regionMatches(true, 0, name.toString(), 0, name.length()));
    }

    @Override
    public void end(String text) {
      body = text;
    }

    @Override
    public void end(Buffer bytes) {
      body = bytes;
    }

    @Override
    public void end() {
      body = null;
    }
  }

  private static Sent write(ResultWriter writer, Object value) throws Exception {
    Sent sent = new Sent();
    writer.write(value, sent);
    return sent;
  }

  @Test
  void aStringRoute_encodesTheSameStringInstanceOnce_andSharesItsBytes() throws Exception {
    ResultWriter writer = ResultWriter.forType(String.class, String.class, new ObjectMapper());
    String constant = "Hello, Wörld!";

    Sent first = write(writer, constant);
    Sent second = write(writer, constant);

    assertThat(first.status).isEqualTo(200);
    assertThat(first.headers).containsExactly("content-type: text/plain; charset=utf-8");
    assertThat(first.body).isInstanceOf(Buffer.class);
    assertThat(((Buffer) first.body).toString("UTF-8")).isEqualTo(constant);
    assertThat(second.body).isSameAs(first.body);
  }

  @Test
  void aStringRoute_encodesEachOtherString_evenWithEqualText() throws Exception {
    ResultWriter writer = ResultWriter.forType(String.class, String.class, new ObjectMapper());
    String a = new String("same text");
    String b = new String("same text");

    Object fromA = write(writer, a).body;
    Object other = write(writer, "other").body;
    Object fromB = write(writer, b).body;
    Sent none = write(writer, null);

    assertThat(fromA).isNotSameAs(fromB);
    assertThat(((Buffer) fromA).toString("UTF-8")).isEqualTo("same text");
    assertThat(((Buffer) other).toString("UTF-8")).isEqualTo("other");
    assertThat(((Buffer) fromB).toString("UTF-8")).isEqualTo("same text");
    assertThat(none.status).isEqualTo(204);
    assertThat(none.body).isNull();
  }
}
