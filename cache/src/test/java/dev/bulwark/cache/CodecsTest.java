package dev.bulwark.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecsTest {

  public static final class User implements Serializable {
    private static final long serialVersionUID = 1L;
    public String name;
    public int age;
  }

  @Test
  void json_roundTripsTheDeclaredType() throws Exception {
    ObjectMapper om = new ObjectMapper();
    Codec<User> codec = Codecs.json(om, User.class);
    User u = new User();
    u.name = "ada";
    u.age = 36;
    User back = codec.decode(codec.encode(u));
    assertThat(back.name).isEqualTo("ada");
    assertThat(back.age).isEqualTo(36);
    Codec<List<User>> list = Codecs.json(om, om.getTypeFactory().constructCollectionType(List.class, User.class));
    assertThat(list.decode(list.encode(List.of(u)))).hasSize(1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void json_neverInstantiatesClassesNamedByTheBytes() throws Exception {
    ObjectMapper om = new ObjectMapper();
    om.activateDefaultTyping(om.getPolymorphicTypeValidator(), ObjectMapper.DefaultTyping.NON_FINAL);
    Codec<Object> codec = Codecs.json(om, om.constructType(Object.class));
    byte[] attack = "[\"java.util.ArrayList\",[]]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Object decoded = codec.decode(attack);
    assertThat(decoded).isInstanceOf(List.class);
    assertThat((List<Object>) decoded).containsExactly("java.util.ArrayList", new ArrayList<>());
    assertThat(new String(codec.encode(Map.of("a", 1)), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"a\":1}");
  }

  @Test
  void json_rejectsJavaSerializedBytes() throws Exception {
    User u = new User();
    u.name = "x";
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
      oos.writeObject(u);
    }
    Codec<User> codec = Codecs.json(new ObjectMapper(), User.class);
    assertThatThrownBy(() -> codec.decode(bos.toByteArray())).isInstanceOf(Exception.class);
  }

  @Test
  void bytes_areStoredAsTheyAre() throws Exception {
    byte[] b = {1, 2, 3};
    assertThat(Codecs.bytes().decode(Codecs.bytes().encode(b))).containsExactly(1, 2, 3);
  }
}
