SELECT order_date AS day, count(*) AS orders, sum(amount) AS revenue
FROM orders
GROUP BY order_date
