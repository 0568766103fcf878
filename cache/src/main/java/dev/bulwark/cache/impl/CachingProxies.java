package dev.bulwark.cache.impl;

import dev.bulwark.cache.CacheEvict;
import dev.bulwark.cache.Cached;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Makes the object {@code Caching.decorate} returns: an instance of a class generated for the
 * service interface, or a JDK {@link Proxy} where no class can be generated for it.
 *
 * <p>Implementation note. The generated class (a hidden class in this package, one per interface,
 * made on its first decoration and kept in a {@link ClassValue}) implements the interface with one
 * method per distinct signature of its {@code getMethods()}, as the JDK proxy does. A
 * {@link Cached} or {@link CacheEvict} method calls its own invoker, held in a final field, with
 * no {@code Method} lookup: a method of no parameter calls {@code invoke0()}, one of one {@code long}
 * or {@code int} parameter {@code invokeLong(arg)} or {@code invokeInt(arg)} (not boxed, so that a
 * hit allocates nothing), one of another single parameter {@code invoke1(arg)} (its argument, boxed
 * if primitive, and no array), others {@code invoke(args)}.
 * Each call site in the class sees one invoker class, so the JIT inlines the hit path into the
 * interface method. Any other method calls the implementation directly (no reflection).
 * {@code equals} is identity, {@code hashCode} the identity hash and {@code toString}
 * {@code "Caching proxy for " + impl}, as the proxy answers them; a checked exception the method
 * does not declare comes out wrapped in an {@link UndeclaredThrowableException}, as from the
 * proxy. The class is defined with this package's lookup, so it must be able to name every type in
 * the interface's methods: the interface and those types must be public, exported to this module
 * and resolve from this class's loader to the very same classes. Where they do not (a package-private
 * interface, one from another class loader or a module that does not export it), and for the
 * shapes the proxy has its own rules for (a sealed or hidden interface, one signature declared
 * with different exceptions by two superinterfaces), the decorated object is the JDK proxy with the
 * {@link CachingHandler} as its handler; it behaves the same, at the cost of the reflective
 * dispatch. Thread-safe.
 */
public final class CachingProxies {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CachingProxies.class);
  private static final String INVOKER = Type.getInternalName(CachingHandler.Invoker.class);
  private static final String HANDLER = Type.getInternalName(CachingHandler.class);
  private static final String OBJECT = "java/lang/Object";
  private static final String OBJECT_DESC = "Ljava/lang/Object;";
  private static final MethodType CONSTRUCTOR =
      MethodType.methodType(void.class, Object.class, CachingHandler.Invoker[].class);
  /** Object's methods an interface may redeclare; the proxy answers them as Object's. */
  private static final Set<String> OBJECT_METHODS =
      Set.of("equals(Ljava/lang/Object;)Z", "hashCode()I", "toString()Ljava/lang/String;");

  private static final ClassValue<Plan> PLANS = new ClassValue<>() {
    @Override
    protected Plan computeValue(Class<?> service) {
      return plan(service);
    }
  };

  private CachingProxies() {
  }

  /**
   * The decorated object for {@code service}, calling {@code handler}'s invokers and
   * implementation.
   */
  public static Object create(Class<?> service, CachingHandler handler) {
    Plan plan = PLANS.get(service);
    if (plan.constructor == null) {
      return Proxy.newProxyInstance(service.getClassLoader(), new Class<?>[] {service}, handler);
    }
    CachingHandler.Invoker[] invokers = new CachingHandler.Invoker[plan.dispatched.size()];
    for (int i = 0; i < invokers.length; i++) {
      invokers[i] = handler.invoker(plan.dispatched.get(i));
      if (invokers[i] == null) {
        throw new IllegalStateException("no invoker for " + plan.dispatched.get(i));
      }
    }
    try {
      return plan.constructor.invoke(handler.impl(), invokers);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("the generated class for " + service.getName() + " failed", t);
    }
  }

  /**
   * A generated class's constructor and the methods whose invokers it takes, in its field order;
   * or, with a null constructor, the JDK proxy.
   */
  private static final class Plan {
    final MethodHandle constructor;
    final List<Method> dispatched;

    Plan(MethodHandle constructor, List<Method> dispatched) {
      this.constructor = constructor;
      this.dispatched = dispatched;
    }
  }

  private static Plan plan(Class<?> service) {
    // The first method of each signature, in getMethods() order: the one the proxy would pass.
    Map<String, Method> methods = new LinkedHashMap<>();
    String why = service.isHidden() || service.isSealed()
        ? service.getName() + " is hidden or sealed" : unusable(service);
    for (Method m : service.getMethods()) {
      if (why != null) {
        break;
      }
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      String sig = m.getName() + Type.getMethodDescriptor(m);
      if (OBJECT_METHODS.contains(sig)) {
        continue;
      }
      Method first = methods.putIfAbsent(sig, m);
      if (first != null && !new HashSet<>(Arrays.asList(first.getExceptionTypes()))
          .equals(new HashSet<>(Arrays.asList(m.getExceptionTypes())))) {
        why = m.getName() + " is declared twice with different exceptions";
      }
      for (Class<?> type : types(m)) {
        if (why == null) {
          why = unusable(type);
        }
      }
    }
    if (why != null) {
      LOG.debug("Caching.decorate({}) uses the JDK proxy: {}", service.getName(), why);
      return new Plan(null, List.of());
    }
    List<Method> dispatched = new ArrayList<>();
    for (Method m : methods.values()) {
      if (m.isAnnotationPresent(Cached.class) || m.isAnnotationPresent(CacheEvict.class)) {
        dispatched.add(m);
      }
    }
    try {
      byte[] bytes = generate(service, methods.values(), dispatched);
      MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(bytes, true);
      return new Plan(lookup.findConstructor(lookup.lookupClass(), CONSTRUCTOR), dispatched);
    } catch (IllegalAccessException | NoSuchMethodException | RuntimeException | LinkageError e) {
      // The checks above should make this impossible; decorating still works through the proxy.
      LOG.warn("Caching.decorate({}) uses the JDK proxy: its generated class was refused", service.getName(), e);
      return new Plan(null, List.of());
    }
  }

  /** Every class a method names: its parameters, its return type and its exceptions. */
  private static List<Class<?>> types(Method m) {
    List<Class<?>> types = new ArrayList<>(Arrays.asList(m.getParameterTypes()));
    types.add(m.getReturnType());
    types.addAll(Arrays.asList(m.getExceptionTypes()));
    return types;
  }

  /** Why the generated class cannot name {@code type}, or null when it can. */
  private static String unusable(Class<?> type) {
    while (type.isArray()) {
      type = type.getComponentType();
    }
    if (type.isPrimitive()) {
      return null;
    }
    if (!Modifier.isPublic(type.getModifiers())) {
      return type.getName() + " is not public";
    }
    Module mine = CachingProxies.class.getModule();
    if (!type.getModule().isExported(type.getPackageName(), mine) || !mine.canRead(type.getModule())) {
      return type.getName() + " is not exported to " + mine;
    }
    try {
      if (Class.forName(type.getName(), false, CachingProxies.class.getClassLoader()) != type) {
        return type.getName() + " is another class of that name to " + CachingProxies.class.getClassLoader();
      }
    } catch (ClassNotFoundException | LinkageError e) {
      return type.getName() + " is not visible from " + CachingProxies.class.getClassLoader();
    }
    return null;
  }

  private static byte[] generate(Class<?> service, Iterable<Method> methods, List<Method> dispatched) {
    ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES) {
      @Override
      protected String getCommonSuperClass(String type1, String type2) {
        // Each handler catches one type and no local changes type: frames never merge two types.
        throw new IllegalStateException("no frame of the generated class merges " + type1 + " and " + type2);
      }
    };
    String self = Type.getInternalName(CachingProxies.class).replace("CachingProxies",
        "Decorated$" + service.getSimpleName());
    String serviceName = Type.getInternalName(service);
    String serviceDesc = Type.getDescriptor(service);
    cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, self, null, OBJECT,
        new String[] {serviceName});
    cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "impl", serviceDesc, null, null).visitEnd();
    for (int i = 0; i < dispatched.size(); i++) {
      cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "i" + i, "L" + INVOKER + ";", null, null).visitEnd();
    }
    constructor(cw, self, serviceName, serviceDesc, dispatched.size());
    objectMethods(cw, self, serviceDesc);
    for (Method m : methods) {
      int index = dispatched.indexOf(m);
      method(cw, self, m, index < 0 ? null : "i" + index, serviceName, serviceDesc);
    }
    cw.visitEnd();
    return cw.toByteArray();
  }

  /** {@code (Object impl, Invoker[] invokers)}: the fields, in order. */
  private static void constructor(ClassWriter cw, String self, String serviceName, String serviceDesc,
      int invokers) {
    MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", CONSTRUCTOR.toMethodDescriptorString(),
        null, null);
    mv.visitCode();
    mv.visitVarInsn(Opcodes.ALOAD, 0);
    mv.visitMethodInsn(Opcodes.INVOKESPECIAL, OBJECT, "<init>", "()V", false);
    mv.visitVarInsn(Opcodes.ALOAD, 0);
    mv.visitVarInsn(Opcodes.ALOAD, 1);
    mv.visitTypeInsn(Opcodes.CHECKCAST, serviceName);
    mv.visitFieldInsn(Opcodes.PUTFIELD, self, "impl", serviceDesc);
    for (int i = 0; i < invokers; i++) {
      mv.visitVarInsn(Opcodes.ALOAD, 0);
      mv.visitVarInsn(Opcodes.ALOAD, 2);
      mv.visitLdcInsn(i);
      mv.visitInsn(Opcodes.AALOAD);
      mv.visitFieldInsn(Opcodes.PUTFIELD, self, "i" + i, "L" + INVOKER + ";");
    }
    mv.visitInsn(Opcodes.RETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  /** equals (identity), hashCode (identity hash) and toString, as the proxy's handler answers them. */
  private static void objectMethods(ClassWriter cw, String self, String serviceDesc) {
    MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "equals", "(Ljava/lang/Object;)Z", null, null);
    mv.visitCode();
    Label other = new Label();
    mv.visitVarInsn(Opcodes.ALOAD, 0);
    mv.visitVarInsn(Opcodes.ALOAD, 1);
    mv.visitJumpInsn(Opcodes.IF_ACMPNE, other);
    mv.visitInsn(Opcodes.ICONST_1);
    mv.visitInsn(Opcodes.IRETURN);
    mv.visitLabel(other);
    mv.visitInsn(Opcodes.ICONST_0);
    mv.visitInsn(Opcodes.IRETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();

    mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "hashCode", "()I", null, null);
    mv.visitCode();
    mv.visitVarInsn(Opcodes.ALOAD, 0);
    mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/System", "identityHashCode", "(Ljava/lang/Object;)I", false);
    mv.visitInsn(Opcodes.IRETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();

    mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "toString", "()Ljava/lang/String;", null, null);
    mv.visitCode();
    mv.visitVarInsn(Opcodes.ALOAD, 0);
    mv.visitFieldInsn(Opcodes.GETFIELD, self, "impl", serviceDesc);
    mv.visitMethodInsn(Opcodes.INVOKESTATIC, HANDLER, "describeProxy", "(Ljava/lang/Object;)Ljava/lang/String;", false);
    mv.visitInsn(Opcodes.ARETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  /**
   * One interface method: its invoker's {@code invoke0}, {@code invokeLong}, {@code invokeInt},
   * {@code invoke1} or {@code invoke} when {@code invoker} names one, else the implementation's
   * method; then the proxy's exception rule.
   */
  private static void method(ClassWriter cw, String self, Method m, String invoker, String serviceName,
      String serviceDesc) {
    Class<?>[] exceptions = m.getExceptionTypes();
    String[] exceptionNames = new String[exceptions.length];
    for (int i = 0; i < exceptions.length; i++) {
      exceptionNames[i] = Type.getInternalName(exceptions[i]);
    }
    MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, m.getName(), Type.getMethodDescriptor(m), null,
        exceptionNames);
    mv.visitCode();
    List<String> rethrown = rethrown(exceptions);
    Label start = new Label();
    Label end = new Label();
    List<Label> handlers = new ArrayList<>();
    if (rethrown != null) {
      for (String type : rethrown) {
        Label handler = new Label();
        handlers.add(handler);
        mv.visitTryCatchBlock(start, end, handler, type);
      }
      Label wrap = new Label();
      handlers.add(wrap);
      mv.visitTryCatchBlock(start, end, wrap, "java/lang/Throwable");
    }
    mv.visitLabel(start);
    Class<?>[] params = m.getParameterTypes();
    mv.visitVarInsn(Opcodes.ALOAD, 0);
    if (invoker == null) {
      mv.visitFieldInsn(Opcodes.GETFIELD, self, "impl", serviceDesc);
      int slot = 1;
      for (Class<?> p : params) {
        Type t = Type.getType(p);
        mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), slot);
        slot += t.getSize();
      }
      mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, serviceName, m.getName(), Type.getMethodDescriptor(m), true);
      mv.visitInsn(Type.getType(m.getReturnType()).getOpcode(Opcodes.IRETURN));
    } else {
      mv.visitFieldInsn(Opcodes.GETFIELD, self, invoker, "L" + INVOKER + ";");
      if (params.length == 0) {
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INVOKER, "invoke0", "()" + OBJECT_DESC, false);
      } else if (params.length == 1 && (params[0] == long.class || params[0] == int.class)) {
        Type t = Type.getType(params[0]);
        mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), 1);
        String name = params[0] == long.class ? "invokeLong" : "invokeInt";
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INVOKER, name, "(" + t.getDescriptor() + ")" + OBJECT_DESC, false);
      } else if (params.length == 1) {
        loadBoxed(mv, params[0], 1);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INVOKER, "invoke1", "(" + OBJECT_DESC + ")" + OBJECT_DESC, false);
      } else {
        mv.visitLdcInsn(params.length);
        mv.visitTypeInsn(Opcodes.ANEWARRAY, OBJECT);
        int slot = 1;
        for (int i = 0; i < params.length; i++) {
          mv.visitInsn(Opcodes.DUP);
          mv.visitLdcInsn(i);
          loadBoxed(mv, params[i], slot);
          mv.visitInsn(Opcodes.AASTORE);
          slot += Type.getType(params[i]).getSize();
        }
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, INVOKER, "invoke", "([" + OBJECT_DESC + ")" + OBJECT_DESC, false);
      }
      returnUnboxed(mv, m.getReturnType());
    }
    mv.visitLabel(end);
    for (int i = 0; i < handlers.size(); i++) {
      mv.visitLabel(handlers.get(i));
      if (i == handlers.size() - 1) {
        // A checked exception the method does not declare: the proxy's wrapping.
        mv.visitTypeInsn(Opcodes.NEW, "java/lang/reflect/UndeclaredThrowableException");
        mv.visitInsn(Opcodes.DUP_X1);
        mv.visitInsn(Opcodes.SWAP);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/reflect/UndeclaredThrowableException", "<init>",
            "(Ljava/lang/Throwable;)V", false);
      }
      mv.visitInsn(Opcodes.ATHROW);
    }
    mv.visitMaxs(0, 0);
    mv.visitEnd();
  }

  /**
   * The exception types a method lets through as they are (unchecked ones and those it declares),
   * or null when it declares every one, so that nothing needs wrapping.
   */
  private static List<String> rethrown(Class<?>[] declared) {
    List<String> types = new ArrayList<>(List.of("java/lang/RuntimeException", "java/lang/Error"));
    for (Class<?> e : declared) {
      if (e == Throwable.class) {
        return null;
      }
      types.add(Type.getInternalName(e));
    }
    return types;
  }

  /** Loads the parameter in {@code slot}, boxing a primitive. */
  private static void loadBoxed(MethodVisitor mv, Class<?> type, int slot) {
    Type t = Type.getType(type);
    mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), slot);
    if (type.isPrimitive()) {
      Type box = Type.getType(box(type));
      mv.visitMethodInsn(Opcodes.INVOKESTATIC, box.getInternalName(), "valueOf",
          "(" + t.getDescriptor() + ")" + box.getDescriptor(), false);
    }
  }

  /** Returns the invoker's answer as {@code type}: cast, unboxed, or dropped for void. */
  private static void returnUnboxed(MethodVisitor mv, Class<?> type) {
    if (type == void.class) {
      mv.visitInsn(Opcodes.POP);
      mv.visitInsn(Opcodes.RETURN);
      return;
    }
    if (type.isPrimitive()) {
      Type box = Type.getType(box(type));
      mv.visitTypeInsn(Opcodes.CHECKCAST, box.getInternalName());
      mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, box.getInternalName(), type.getName() + "Value",
          "()" + Type.getDescriptor(type), false);
    } else if (type != Object.class) {
      mv.visitTypeInsn(Opcodes.CHECKCAST, Type.getInternalName(type));
    }
    mv.visitInsn(Type.getType(type).getOpcode(Opcodes.IRETURN));
  }

  private static Class<?> box(Class<?> primitive) {
    return MethodType.methodType(primitive).wrap().returnType();
  }
}
