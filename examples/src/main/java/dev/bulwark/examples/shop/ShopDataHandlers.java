package dev.bulwark.examples.shop;

import dev.bulwark.cache.Cached;
import dev.bulwark.db.BatchLoader;
import dev.bulwark.db.Db;
import dev.bulwark.db.InsertOptions;
import dev.bulwark.web.Body;
import dev.bulwark.web.CachedNotFound;
import dev.bulwark.web.Get;
import dev.bulwark.web.HttpException;
import dev.bulwark.web.PathParam;
import dev.bulwark.web.Post;
import dev.bulwark.web.QueryParam;
import dev.bulwark.web.Range;
import dev.bulwark.web.Response;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The shop's data endpoints (WORKLOAD.md): products, users with their posts (two statements
 * whatever the limit, through a {@link BatchLoader}), and bulk user creation. They return
 * futures, so they run on the event loop; JDBC runs on the {@link Db}'s own bounded bridge.
 * Thread-safe.
 */
public final class ShopDataHandlers {

  /** A product, as {@code /products/{id}} returns it. */
  public record Product(long id, String name, int priceCents, String description) {
  }

  /** A post in a user's list. */
  public record PostSummary(long id, String title) {
  }

  /** A user with posts, as {@code /users} returns them. */
  public record UserWithPosts(long id, String name, List<PostSummary> posts) {
  }

  /** One item of {@code POST /users/bulk}. */
  public record NewUser(String name) {
  }

  /** The answer of {@code POST /users/bulk}. */
  public record Inserted(int inserted) {
  }

  private record PostRow(long id, long userId, String title) {
  }

  static final int MAX_BULK = 10_000;

  private final Db products;
  private final Db users;
  private final Db db;
  private final BatchLoader<Long, List<PostRow>> postsByUser;
  private final ShopSchema schema;

  ShopDataHandlers(Db db, ShopSchema schema) {
    this.db = db;
    this.schema = schema;
    this.products = db.named("product-by-id");
    this.users = db.named("users-page");
    this.postsByUser = BatchLoader.grouped(db.named("posts-by-users"),
        "SELECT id, user_id, title FROM posts WHERE user_id = ANY(?) ORDER BY user_id, id", "bigint",
        rs -> new PostRow(rs.getLong(1), rs.getLong(2), rs.getString(3)), PostRow::userId);
  }

  /** The product {@code id}; 404 when absent; 400 when id is not a positive integer. */
  @Get("/products/{id}")
  public Future<Product> product(@PathParam("id") @Range(min = 1) long id) {
    return products.queryOne("SELECT id, name, price_cents, description FROM products WHERE id = ?",
            rs -> new Product(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getString(4)), id)
        .map(p -> p.orElseThrow(() -> HttpException.notFound("product " + id + " not found")));
  }

  /**
   * {@code /products/{id}} through the response cache: 60 s, ETag, 304 on If-None-Match. A 404
   * is cached too, for 5 s: repeated requests for a missing product stop reaching the database,
   * and a product created meanwhile looks missing for at most that long. A 400 is never cached.
   */
  @Get("/products/{id}/cached")
  @Cached(ttl = "60s")
  @CachedNotFound(ttl = "5s")
  public Future<Product> productCached(@PathParam("id") @Range(min = 1) long id) {
    return product(id);
  }

  /** The first {@code limit} users by id, each with their posts: two statements in all. */
  @Get("/users")
  public Future<List<UserWithPosts>> users(
      @QueryParam(value = "limit", defaultValue = "50") @Range(min = 1, max = 1000) int limit) {
    return users.query("SELECT id, name FROM users ORDER BY id LIMIT ?",
            rs -> new UserWithPosts(rs.getLong(1), rs.getString(2), List.of()), limit)
        .compose(page -> {
          // Every load of this turn becomes one query: the N+1 cure.
          List<Future<Optional<List<PostRow>>>> loads = new ArrayList<>(page.size());
          for (UserWithPosts u : page) {
            loads.add(postsByUser.load(u.id()));
          }
          return Future.all(loads).map(done -> {
            List<UserWithPosts> out = new ArrayList<>(page.size());
            for (int i = 0; i < page.size(); i++) {
              UserWithPosts u = page.get(i);
              List<PostSummary> posts = new ArrayList<>();
              for (PostRow p : loads.get(i).result().orElse(List.of())) {
                posts.add(new PostSummary(p.id(), p.title()));
              }
              out.add(new UserWithPosts(u.id(), u.name(), posts));
            }
            return out;
          });
        });
  }

  /** Inserts the users in one transaction as a batch: 201 with the count; 400 inserts nothing. */
  @Post("/users/bulk")
  public Future<Response<Inserted>> bulk(@Body List<NewUser> items) {
    if (items.isEmpty() || items.size() > MAX_BULK) {
      throw HttpException.badRequest("the body must hold 1 to " + MAX_BULK + " users, but held " + items.size());
    }
    for (int i = 0; i < items.size(); i++) {
      NewUser u = items.get(i);
      if (u == null || u.name() == null || u.name().isBlank() || u.name().length() > 100) {
        throw HttpException.badRequest("item " + i + ": name must be 1 to 100 characters");
      }
    }
    int n = items.size();
    return db.named("allocate-user-ids").query(schema.allocateUserIdsSql(), rs -> rs.getLong(1), n)
        .compose(ids -> {
          List<Object[]> rows = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            rows.add(new Object[] {ids.get(i), items.get(i).name()});
          }
          return db.named("insert-users").insertRows("users", List.of("id", "name"), rows,
              InsertOptions.BATCH);
        })
        .map(count -> Response.of(201, new Inserted(count.intValue())));
  }
}
