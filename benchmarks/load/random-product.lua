-- wrk script: GET /products/{id} with a random id in 1..10000 per request.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/products/" .. math.random(1, 10000))
end
