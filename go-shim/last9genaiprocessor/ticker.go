package last9genaiprocessor

import "time"

// every calls f at each tick of interval until stop is closed: the shape of every background loop here (releasing
// waits, expiring idle state, checkpoints, price-file checks).
func every(interval time.Duration, stop <-chan struct{}, f func(now time.Time)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			f(now)
		}
	}
}
