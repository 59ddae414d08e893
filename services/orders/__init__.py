"""Buying and redeeming: an order from checkout until it is paid and its codes delivered
(`checkout`; `settlement` is the one use case every provider's "paid" ends in), the
redemption codes themselves (`codes`), checking and confirming them at the counter
(`redemption`), and money back (`refunds`). The payment providers are the neighbouring
`services.payments`."""
