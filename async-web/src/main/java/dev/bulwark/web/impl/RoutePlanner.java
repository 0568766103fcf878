package dev.bulwark.web.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bulwark.cache.Cache;
import dev.bulwark.cache.CacheManager;
import dev.bulwark.cache.CachePolicy;
import dev.bulwark.cache.Cached;
import dev.bulwark.core.Durations;
import dev.bulwark.core.WorkerPool;
import dev.bulwark.web.HttpCacheKey;
import dev.bulwark.web.Blocking;
import dev.bulwark.web.Body;
import dev.bulwark.web.CachedNotFound;
import dev.bulwark.web.Delete;
import dev.bulwark.web.Get;
import dev.bulwark.web.HeaderParam;
import dev.bulwark.web.NonBlocking;
import dev.bulwark.web.Patch;
import dev.bulwark.web.PathParam;
import dev.bulwark.web.Post;
import dev.bulwark.web.Put;
import dev.bulwark.web.QueryParam;
import dev.bulwark.web.Range;
import dev.bulwark.web.Streamed;
import dev.bulwark.web.ServerOptions;
import dev.bulwark.web.Streaming;
import dev.bulwark.web.HttpException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns annotated handler objects into {@link RoutePlan}s, once, at start: the pure function
 * from a declaration to its plan, with no server, event loop or request involved (the response
 * cache, when a route is {@code @Cached}, is only looked up in the given manager). Not
 * thread-safe; used by one thread while routes are being set up.
 *
 * <p>Design note. Every decision the pipeline would otherwise make per request is made here: the
 * binder of each parameter (path values by index, query and header by name, converted and range
 * checked), a method handle spread over an argument array, the thread (the threading rule
 * below), the encoding (a {@link ResultWriter} for the declared type, or a stream plan), whether
 * the body is read and where a JSON body is parsed (on the worker for a worker route), and the
 * response cache with its key. Every declaration that cannot work fails here with an
 * {@link IllegalArgumentException} naming the method: an unknown path parameter, a duplicate
 * route, an unknown pool, an unsupported type, a bad default, and the HTTP mistakes a cache
 * would make: {@code @Cached} on a method other than GET, or with a {@code @Body}.
 *
 * <p>The threading rule: a method whose return type is {@code Future} or
 * {@code CompletionStage} runs on the event loop; any other runs on a worker pool.
 * {@code @NonBlocking} and {@code @Blocking} (method first, then class) override it, and
 * {@code @Blocking("name")} picks a named pool.
 */
final class RoutePlanner {

  private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([^}]*)}");
  private static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~!$&'()*+,;=:@%/{}-]*");

  private final ObjectMapper mapper;
  private final Map<String, WorkerPool> pools;
  private final HttpMetrics metrics;
  private final CacheManager caches;
  private final boolean compressStreams;
  private final long writeStallMillis;
  private final List<RoutePlan> routes = new ArrayList<>();
  private final Map<String, String> seen = new HashMap<>();

  /**
   * @param pools the worker pools by name; must contain {@code "default"} if any handler
   *     runs on the default pool
   * @param caches where {@code @Cached} routes keep their responses, or {@code null} for none
   * @param compressStreams whether streamed responses are gzip-compressed when the client asks
   */
  RoutePlanner(ObjectMapper mapper, Map<String, WorkerPool> pools, HttpMetrics metrics,
      CacheManager caches, boolean compressStreams) {
    this(mapper, pools, metrics, caches, compressStreams, ServerOptions.DEFAULT_WRITE_STALL_TIMEOUT);
  }

  /**
   * @param writeStallTimeout how long a streamed response may find its socket full before it is
   *     cut ({@link ServerOptions#writeStallTimeout()}); zero never
   */
  RoutePlanner(ObjectMapper mapper, Map<String, WorkerPool> pools, HttpMetrics metrics,
      CacheManager caches, boolean compressStreams, Duration writeStallTimeout) {
    this.mapper = mapper;
    this.pools = pools;
    this.metrics = metrics;
    this.caches = caches;
    this.compressStreams = compressStreams;
    this.writeStallMillis = writeStallTimeout.toMillis();
  }

  /** The routes planned so far, in the order they were declared. */
  List<RoutePlan> routes() {
    return List.copyOf(routes);
  }

  /** The routes planned so far, frozen for mounting on users' routers. */
  PlannedRoutes planned() {
    return new PlannedRoutes(routes);
  }

  /**
   * Binds every annotated public method of {@code handler}.
   *
   * @throws IllegalArgumentException when a declaration is wrong (naming the method), or the
   *     object has no annotated method at all
   */
  void plan(Object handler) {
    if (handler == null) {
      throw new IllegalArgumentException("handler must not be null");
    }
    Class<?> type = handler.getClass();
    Method[] methods = type.getMethods();
    Arrays.sort(methods, Comparator.comparing(Method::getName)
        .thenComparing(m -> Arrays.toString(m.getParameterTypes())));
    int before = routes.size();
    for (Method m : methods) {
      List<String[]> declared = routeAnnotations(m);
      if (declared.size() > 1) {
        throw bad(m, "has more than one route annotation");
      }
      if (declared.size() == 1) {
        routes.add(planMethod(handler, m, declared.get(0)[0], declared.get(0)[1]));
      }
    }
    if (routes.size() == before) {
      throw new IllegalArgumentException("handler " + type.getName()
          + " has no public method annotated @Get, @Post, @Put, @Delete or @Patch");
    }
  }

  private static List<String[]> routeAnnotations(Method m) {
    List<String[]> found = new ArrayList<>(1);
    Get get = m.getAnnotation(Get.class);
    if (get != null) {
      found.add(new String[] {"GET", get.value()});
    }
    Post post = m.getAnnotation(Post.class);
    if (post != null) {
      found.add(new String[] {"POST", post.value()});
    }
    Put put = m.getAnnotation(Put.class);
    if (put != null) {
      found.add(new String[] {"PUT", put.value()});
    }
    Delete delete = m.getAnnotation(Delete.class);
    if (delete != null) {
      found.add(new String[] {"DELETE", delete.value()});
    }
    Patch patch = m.getAnnotation(Patch.class);
    if (patch != null) {
      found.add(new String[] {"PATCH", patch.value()});
    }
    return found;
  }

  private RoutePlan planMethod(Object target, Method m, String httpMethod, String template) {
    if (Modifier.isStatic(m.getModifiers())) {
      throw bad(m, "is static; handler methods must be instance methods");
    }
    if (template == null || !PATH.matcher(template).matches()) {
      throw bad(m, "has path template '" + template + "'; it must start with '/' and hold only URL path characters");
    }
    List<String> pathNames = new ArrayList<>();
    StringBuilder vertxPath = new StringBuilder();
    Matcher matcher = TEMPLATE_PARAM.matcher(template);
    int last = 0;
    while (matcher.find()) {
      String name = matcher.group(1);
      if (!PARAM_NAME.matcher(name).matches()) {
        throw bad(m, "has path template '" + template + "' with a bad parameter name '" + name + "'");
      }
      if (pathNames.contains(name)) {
        throw bad(m, "has path template '" + template + "' naming {" + name + "} twice");
      }
      pathNames.add(name);
      vertxPath.append(template, last, matcher.start()).append(':').append(name);
      last = matcher.end();
    }
    vertxPath.append(template.substring(last));
    if (vertxPath.indexOf("{") >= 0 || vertxPath.indexOf("}") >= 0) {
      throw bad(m, "has path template '" + template + "' with an unbalanced brace");
    }
    String key = httpMethod + " " + TEMPLATE_PARAM.matcher(template).replaceAll("{}");
    String previous = seen.putIfAbsent(key, describe(m));
    if (previous != null) {
      throw bad(m, "declares " + httpMethod + " " + template + ", already declared by " + previous);
    }
    Cached cached = m.getAnnotation(Cached.class);
    if (cached != null && !httpMethod.equals("GET")) {
      throw bad(m, "is @Cached but declares " + httpMethod + "; only GET (and its HEAD) "
          + "responses are cached, since other methods change what they would serve");
    }

    Parameter[] params = m.getParameters();
    ParamBinder[] binders = new ParamBinder[params.length];
    int bodyIndex = -1;
    boolean usesContext = false;
    for (int i = 0; i < params.length; i++) {
      Parameter p = params[i];
      if (p.getType() == RoutingContext.class) {
        binders[i] = Exchange::context;
        usesContext = true;
      } else if (p.isAnnotationPresent(Body.class)) {
        if (bodyIndex >= 0) {
          throw bad(m, "has more than one @Body parameter");
        }
        if (cached != null) {
          throw bad(m, "is @Cached but has a @Body parameter; a cached answer cannot depend "
              + "on a request body");
        }
        bodyIndex = i;
        binders[i] = bodyBinder(p);
      } else {
        binders[i] = textBinder(m, p, i, pathNames);
      }
    }

    Class<?> raw = m.getReturnType();
    RoutePlan.Async async = RoutePlan.Async.NONE;
    Type resultType = m.getGenericReturnType();
    if (Future.class.isAssignableFrom(raw)) {
      async = RoutePlan.Async.FUTURE;
    } else if (CompletionStage.class.isAssignableFrom(raw)) {
      async = RoutePlan.Async.COMPLETION_STAGE;
    }
    Type valueType = resultType;
    Class<?> valueRaw = raw;
    if (async != RoutePlan.Async.NONE) {
      valueType = resultType instanceof ParameterizedType
          ? ((ParameterizedType) resultType).getActualTypeArguments()[0] : Object.class;
      valueRaw = valueType instanceof Class ? (Class<?>) valueType
          : valueType instanceof ParameterizedType ? (Class<?>) ((ParameterizedType) valueType).getRawType()
          : Object.class;
    }
    boolean streamed = Streamed.isSourceType(valueRaw);
    WorkerPool pool = choosePool(m, async != RoutePlan.Async.NONE || streamed);
    ResultWriter writer = null;
    RoutePlan.StreamPlan stream = null;
    if (streamed) {
      // Blocking sources (Stream, Iterator) are pulled on the handler's pool, or the default one.
      WorkerPool pullPool = pool != null ? pool : pools.get(WorkerPool.DEFAULT_NAME);
      if (pullPool == null) {
        throw bad(m, "returns a stream but no worker pool '" + WorkerPool.DEFAULT_NAME
            + "' is configured to pull it (configured: " + pools.keySet() + ")");
      }
      Streaming streaming = m.getAnnotation(Streaming.class);
      if (streaming != null) {
        try {
          Streamed.fromAnnotation(List.of().iterator(), streaming);
        } catch (IllegalArgumentException e) {
          throw bad(m, "has a bad @Streaming: " + e.getMessage());
        }
      }
      stream = new RoutePlan.StreamPlan(streaming, mapper, pullPool, compressStreams,
          writeStallMillis);
    } else {
      writer = ResultWriter.forType(valueRaw, valueType, mapper);
    }

    boolean readsBody = bodyIndex >= 0
        || usesContext && !httpMethod.equals("GET") && !httpMethod.equals("DELETE");
    int deferredBody = bodyIndex >= 0 && pool != null && ((BodyBinder) binders[bodyIndex]).json()
        ? bodyIndex : -1;
    ResponseCache cache = null;
    if (cached != null) {
      if (streamed) {
        throw bad(m, "is @Cached but returns a stream; streamed responses are not cached");
      }
      cache = responseCache(m, cached, httpMethod, template, binders, usesContext);
    } else if (m.isAnnotationPresent(HttpCacheKey.class)) {
      throw bad(m, "has @HttpCacheKey without @Cached");
    } else if (m.isAnnotationPresent(CachedNotFound.class)) {
      throw bad(m, "has @CachedNotFound without @Cached");
    }
    return new RoutePlan(HttpMethod.valueOf(httpMethod), template, pathNames.toArray(new String[0]),
        PathTemplate.parse(template), describe(m), binders, deferredBody, invoker(target, m), async,
        pool, writer, stream, cache, readsBody, usesContext, metrics.route(httpMethod, template));
  }

  private ResponseCache responseCache(Method m, Cached cached, String httpMethod, String template,
      ParamBinder[] binders, boolean usesContext) {
    if (caches == null) {
      throw bad(m, "is @Cached but this router has no CacheManager");
    }
    CachePolicy policy;
    try {
      policy = CachePolicy.ttl(Durations.parse("@Cached(ttl)", cached.ttl()))
          .withStaleWhileRevalidate(Durations.parse("@Cached(staleWhileRevalidate)", cached.staleWhileRevalidate()))
          .withStaleIfError(Durations.parse("@Cached(staleIfError)", cached.staleIfError()));
      if (cached.tier().length > 1) {
        throw new IllegalArgumentException("@Cached(tier) takes at most one tier");
      }
      if (cached.tier().length == 1) {
        policy = policy.withTier(cached.tier()[0]);
      }
    } catch (IllegalArgumentException e) {
      throw bad(m, "has a bad @Cached: " + e.getMessage());
    }
    for (String q : cached.key()) {
      if (q == null || q.isEmpty()) {
        throw bad(m, "has @Cached(key) with an empty query parameter name");
      }
    }
    String name = cached.cache().isEmpty()
        ? ("http." + httpMethod + template.replaceAll("[^A-Za-z0-9_.-]+", "_"))
        : cached.cache();
    if (name.length() > 64) {
      name = name.substring(0, 64);
    }
    Cache<CachedResponse> cache;
    try {
      cache = caches.cache(name, policy, CachedResponse.CODEC);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw bad(m, "cannot use cache '" + name + "': " + e.getMessage());
    }
    CachedNotFound notFoundAnnotation = m.getAnnotation(CachedNotFound.class);
    Cache<CachedResponse> notFound = null;
    Duration notFoundTtl = Duration.ZERO;
    if (notFoundAnnotation != null) {
      notFoundTtl = notFoundTtl(m, notFoundAnnotation, cached, policy.ttl());
      String notFoundName = (name.length() > 60 ? name.substring(0, 60) : name) + ".404";
      CachePolicy notFoundPolicy = CachePolicy.ttl(notFoundTtl);
      if (policy.tier() != null) {
        notFoundPolicy = notFoundPolicy.withTier(policy.tier());
      }
      try {
        notFound = caches.cache(notFoundName, notFoundPolicy, CachedResponse.CODEC);
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw bad(m, "cannot use cache '" + notFoundName + "' for @CachedNotFound: " + e.getMessage());
      }
    }
    HttpCacheKey key = m.getAnnotation(HttpCacheKey.class);
    return ResponseCache.create(describe(m), cache, httpMethod + " " + template, binders,
        usesContext, cached.key(), key == null ? new String[0] : key.vary(),
        key != null && key.perUser(), policy.ttl().toSeconds(), notFound, notFoundTtl.toSeconds());
  }

  /** The 404 TTL: a duration above zero and at most the route's TTL. */
  private static Duration notFoundTtl(Method m, CachedNotFound notFound, Cached cached, Duration routeTtl) {
    Duration ttl;
    try {
      ttl = Durations.parse("@CachedNotFound(ttl)", notFound.ttl());
    } catch (IllegalArgumentException e) {
      throw bad(m, "has a bad @CachedNotFound: " + e.getMessage());
    }
    if (ttl.isZero()) {
      throw bad(m, "has a bad @CachedNotFound: @CachedNotFound(ttl) must be > 0, but was '"
          + notFound.ttl() + "'");
    }
    if (ttl.compareTo(routeTtl) > 0) {
      throw bad(m, "has a bad @CachedNotFound: @CachedNotFound(ttl) must be at most @Cached(ttl) '"
          + cached.ttl() + "' (a negative answer must not outlive a positive one), but was '"
          + notFound.ttl() + "'");
    }
    return ttl;
  }

  private ParamBinder bodyBinder(Parameter p) {
    Class<?> type = p.getType();
    if (type == String.class || type == byte[].class || type == Buffer.class) {
      return new BodyBinder(type, null);
    }
    return new BodyBinder(type, mapper.readerFor(mapper.constructType(p.getParameterizedType())));
  }

  private ParamBinder textBinder(Method m, Parameter p, int index, List<String> pathNames) {
    PathParam path = p.getAnnotation(PathParam.class);
    QueryParam query = p.getAnnotation(QueryParam.class);
    HeaderParam header = p.getAnnotation(HeaderParam.class);
    int count = (path != null ? 1 : 0) + (query != null ? 1 : 0) + (header != null ? 1 : 0);
    String what = "parameter " + index + " (" + p.getType().getSimpleName() + " " + p.getName() + ")";
    if (count == 0) {
      throw bad(m, what + " has no @PathParam, @QueryParam, @HeaderParam or @Body annotation "
          + "and is not a RoutingContext");
    }
    if (count > 1) {
      throw bad(m, what + " has more than one of @PathParam, @QueryParam, @HeaderParam");
    }
    Function<String, Object> converter = Conversions.forType(p.getType());
    if (converter == null) {
      throw bad(m, what + " has unsupported type " + p.getType().getName()
          + "; use String, int, long, double, boolean (or their boxes), UUID or an enum");
    }
    Range range = p.getAnnotation(Range.class);
    long min = range == null ? Long.MIN_VALUE : range.min();
    long max = range == null ? Long.MAX_VALUE : range.max();
    if (min > max) {
      throw bad(m, what + " has @Range min " + min + " > max " + max);
    }
    if (path != null) {
      if (!pathNames.contains(path.value())) {
        throw bad(m, what + " is @PathParam(\"" + path.value() + "\") but the path template has no {"
            + path.value() + "}");
      }
      return new TextParamBinder(TextParamBinder.Source.PATH, path.value(),
          pathNames.indexOf(path.value()), p.getType(), converter, null, min, max);
    }
    if (header != null) {
      return new TextParamBinder(TextParamBinder.Source.HEADER, header.value(), -1, p.getType(),
          converter, null, min, max);
    }
    TextParamBinder probe = new TextParamBinder(TextParamBinder.Source.QUERY, query.value(), -1,
        p.getType(), converter, null, min, max);
    Object defaultValue = null;
    if (!QueryParam.NO_DEFAULT.equals(query.defaultValue())) {
      try {
        defaultValue = probe.convert(query.defaultValue());
      } catch (HttpException e) {
        throw bad(m, what + " has a bad default value: " + e.getMessage());
      }
    }
    return new TextParamBinder(TextParamBinder.Source.QUERY, query.value(), -1, p.getType(),
        converter, defaultValue, min, max);
  }

  private WorkerPool choosePool(Method m, boolean asyncResult) {
    Blocking blocking = m.getAnnotation(Blocking.class);
    boolean nonBlocking = m.isAnnotationPresent(NonBlocking.class);
    if (blocking != null && nonBlocking) {
      throw bad(m, "is annotated both @Blocking and @NonBlocking");
    }
    if (blocking == null && !nonBlocking) {
      Class<?> type = m.getDeclaringClass();
      blocking = type.getAnnotation(Blocking.class);
      nonBlocking = type.isAnnotationPresent(NonBlocking.class);
      if (blocking != null && nonBlocking) {
        throw bad(m, "is in a class annotated both @Blocking and @NonBlocking");
      }
    }
    if (nonBlocking) {
      return null;
    }
    if (blocking == null && asyncResult) {
      return null;
    }
    String name = blocking == null || blocking.value().isEmpty() ? WorkerPool.DEFAULT_NAME
        : blocking.value();
    WorkerPool pool = pools.get(name);
    if (pool == null) {
      throw bad(m, "runs on worker pool '" + name + "', which is not configured (configured: "
          + pools.keySet() + ")");
    }
    return pool;
  }

  private static MethodHandle invoker(Object target, Method m) {
    try {
      m.setAccessible(true);
      MethodHandle mh = MethodHandles.lookup().unreflect(m).bindTo(target);
      int n = m.getParameterCount();
      return mh.asSpreader(Object[].class, n)
          .asType(MethodType.methodType(Object.class, Object[].class));
    } catch (IllegalAccessException | RuntimeException e) {
      throw bad(m, "cannot be invoked (" + e.getMessage() + "); make it and its class public");
    }
  }

  static String describe(Method m) {
    StringBuilder sb = new StringBuilder(m.getDeclaringClass().getSimpleName()).append('.')
        .append(m.getName()).append('(');
    Class<?>[] types = m.getParameterTypes();
    for (int i = 0; i < types.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(types[i].getSimpleName());
    }
    return sb.append(')').toString();
  }

  private static IllegalArgumentException bad(Method m, String problem) {
    return new IllegalArgumentException("handler method " + describe(m) + " " + problem);
  }
}
