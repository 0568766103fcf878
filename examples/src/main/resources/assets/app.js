// The shop's script: fills the product list from the JSON API the page is served beside.
(function () {
  "use strict";

  function money(cents) {
    return (cents / 100).toFixed(2);
  }

  function show(list, product) {
    var item = document.createElement("li");
    item.textContent = product.name + " \u2014 " + money(product.priceCents) + " EUR";
    item.title = product.description;
    list.appendChild(item);
  }

  function load() {
    var list = document.getElementById("products");
    var status = document.getElementById("status");
    var ids = [1, 2, 3, 4, 5];
    Promise.all(ids.map(function (id) {
      return fetch("/products/" + id + "/cached").then(function (r) {
        if (!r.ok) {
          throw new Error("GET /products/" + id + "/cached answered " + r.status);
        }
        return r.json();
      });
    })).then(function (products) {
      products.forEach(function (p) { show(list, p); });
      status.textContent = products.length + " products";
    }).catch(function (e) {
      status.textContent = e.message;
    });
  }

  document.addEventListener("DOMContentLoaded", load);
})();
