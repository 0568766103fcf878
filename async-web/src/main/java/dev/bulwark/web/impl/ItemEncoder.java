package dev.bulwark.web.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.web.SseEvent;
import dev.bulwark.web.StreamFormat;
import io.vertx.core.buffer.Buffer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Encodes the items of a streamed response into bytes: NDJSON, CSV, text lines or server-sent
 * events. One per response (CSV keeps the columns it resolved from the first item); used on the
 * response's event loop only.
 */
abstract class ItemEncoder {

  abstract String contentType();

  /** Bytes before the first item (the CSV header), given that item. */
  void header(Object first, Buffer out) throws Exception {
  }

  abstract void encode(Object item, Buffer out) throws Exception;

  static ItemEncoder create(StreamFormat format, List<String> columns, ObjectMapper mapper) {
    switch (format) {
      case CSV:
        return new Csv(columns, mapper);
      case TEXT:
        return new Text();
      case SSE:
        return new Sse(mapper);
      default:
        return new Ndjson(mapper);
    }
  }

  /**
   * {@code application/x-ndjson}: one JSON document and a newline per item. One generator over
   * one reusable byte array serves the whole response, instead of a new generator per item.
   */
  static final class Ndjson extends ItemEncoder {
    private final ObjectMapper mapper;
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(512);
    private com.fasterxml.jackson.core.JsonGenerator generator;

    Ndjson(ObjectMapper mapper) {
      this.mapper = mapper;
    }

    @Override
    String contentType() {
      return "application/x-ndjson";
    }

    @Override
    void encode(Object item, Buffer out) throws Exception {
      if (generator == null) {
        generator = mapper.getFactory().createGenerator(bytes).setRootValueSeparator(null);
      }
      mapper.writeValue(generator, item);
      generator.flush();
      out.appendBytes(bytes.toByteArray()).appendByte((byte) '\n');
      bytes.reset();
    }
  }

  /** {@code text/plain}: {@code toString()} and a newline per item. */
  static final class Text extends ItemEncoder {
    @Override
    String contentType() {
      return "text/plain; charset=utf-8";
    }

    @Override
    void encode(Object item, Buffer out) {
      out.appendString(String.valueOf(item), "UTF-8").appendByte((byte) '\n');
    }
  }

  /**
   * {@code text/event-stream}. An {@link SseEvent} sets its fields; a String is the data; any
   * other item is sent as JSON data. Multi-line data becomes several {@code data:} lines.
   */
  static final class Sse extends ItemEncoder {
    private final ObjectMapper mapper;

    Sse(ObjectMapper mapper) {
      this.mapper = mapper;
    }

    @Override
    String contentType() {
      return "text/event-stream; charset=utf-8";
    }

    @Override
    void encode(Object item, Buffer out) throws Exception {
      if (item instanceof SseEvent) {
        SseEvent e = (SseEvent) item;
        if (e.id() != null) {
          out.appendString("id: ").appendString(e.id(), "UTF-8").appendByte((byte) '\n');
        }
        if (e.event() != null) {
          out.appendString("event: ").appendString(e.event(), "UTF-8").appendByte((byte) '\n');
        }
        if (e.retry() != null) {
          out.appendString("retry: " + e.retry().toMillis() + "\n");
        }
        data(e.data(), out);
      } else if (item instanceof String) {
        data((String) item, out);
      } else {
        data(new String(mapper.writeValueAsBytes(item), StandardCharsets.UTF_8), out);
      }
      out.appendByte((byte) '\n');
    }

    private static void data(String data, Buffer out) {
      for (String line : data.split("\r\n|\r|\n", -1)) {
        out.appendString("data: ").appendString(line, "UTF-8").appendByte((byte) '\n');
      }
    }
  }

  /**
   * {@code text/csv}: a header, then one line per item, fields quoted per RFC 4180 when they hold
   * a comma, a quote or a line break (quotes doubled); a null is an empty field. Lines end with
   * {@code \n}, as PostgreSQL's {@code COPY ... CSV} writes them. Columns: the declared ones, else
   * a record's components; a record's values are read through method handles found once; other
   * items (maps, POJOs) are read through Jackson by column name.
   */
  static final class Csv extends ItemEncoder {
    private final List<String> declared;
    private final ObjectMapper mapper;
    private List<String> columns;
    private MethodHandle[] accessors;

    Csv(List<String> declared, ObjectMapper mapper) {
      this.declared = declared;
      this.mapper = mapper;
    }

    @Override
    String contentType() {
      return "text/csv; charset=utf-8";
    }

    @Override
    void header(Object first, Buffer out) throws Exception {
      resolve(first);
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < columns.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        quote(columns.get(i), sb);
      }
      out.appendString(sb.append('\n').toString(), "UTF-8");
    }

    private void resolve(Object first) throws Exception {
      Class<?> type = first.getClass();
      if (type.isRecord()) {
        RecordComponent[] components = type.getRecordComponents();
        List<String> names = declared.isEmpty()
            ? java.util.Arrays.stream(components).map(RecordComponent::getName).toList() : declared;
        MethodHandle[] handles = new MethodHandle[names.size()];
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        for (int i = 0; i < names.size(); i++) {
          RecordComponent c = find(components, names.get(i), type);
          java.lang.reflect.Method accessor = c.getAccessor();
          accessor.setAccessible(true);
          handles[i] = lookup.unreflect(accessor);
        }
        columns = names;
        accessors = handles;
      } else if (!declared.isEmpty()) {
        columns = declared;
      } else if (first instanceof Map) {
        columns = ((Map<?, ?>) first).keySet().stream().map(String::valueOf).toList();
      } else {
        JsonNode node = mapper.valueToTree(first);
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        columns = names;
      }
    }

    private static RecordComponent find(RecordComponent[] components, String name, Class<?> type) {
      for (RecordComponent c : components) {
        if (c.getName().equals(name)) {
          return c;
        }
      }
      throw new IllegalArgumentException("CSV column '" + name + "' is not a component of " + type.getName());
    }

    @Override
    void encode(Object item, Buffer out) throws Exception {
      StringBuilder sb = new StringBuilder(64);
      if (accessors != null) {
        for (int i = 0; i < accessors.length; i++) {
          if (i > 0) {
            sb.append(',');
          }
          try {
            field(accessors[i].invoke(item), sb);
          } catch (Throwable t) {
            throw new IllegalStateException("reading CSV column " + columns.get(i), t);
          }
        }
      } else {
        Map<?, ?> map = item instanceof Map ? (Map<?, ?>) item : mapper.convertValue(item, Map.class);
        for (int i = 0; i < columns.size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          field(map.get(columns.get(i)), sb);
        }
      }
      out.appendString(sb.append('\n').toString(), "UTF-8");
    }

    private static void field(Object value, StringBuilder sb) {
      if (value == null) {
        return;
      }
      if (value instanceof Number || value instanceof Boolean) {
        sb.append(value);
        return;
      }
      quote(value.toString(), sb);
    }

    static void quote(String s, StringBuilder sb) {
      boolean needs = false;
      for (int i = 0; i < s.length() && !needs; i++) {
        char c = s.charAt(i);
        needs = c == ',' || c == '"' || c == '\n' || c == '\r';
      }
      if (!needs) {
        sb.append(s);
        return;
      }
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"') {
          sb.append('"');
        }
        sb.append(c);
      }
      sb.append('"');
    }
  }
}
