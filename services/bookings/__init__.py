"""Table bookings (订座): seating, the slot grid, booking without overbooking, deposits."""
