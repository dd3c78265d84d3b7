package pipeline_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/looper-go/looper/pipeline"
)

// feed sends 0..n-1 on a new channel from a goroutine that ends when done.
func feedN(n, buffer int) <-chan int {
	src := make(chan int, buffer)
	go func() {
		defer close(src)
		for i := range n {
			src <- i
		}
	}()
	return src
}

// BenchmarkPipeline5Stages measures the engine's cost per value per stage:
// b.N values through five stages that only forward, so all the time is
// channel hand-offs, the source reader and the collector.
func BenchmarkPipeline5Stages(b *testing.B) {
	for _, buffer := range []int{0, 16} {
		b.Run(fmt.Sprintf("buffer=%d", buffer), func(b *testing.B) {
			nodes := make([]pipeline.Node, 5)
			for i := range nodes {
				nodes[i] = pipeline.Link(pass[int](fmt.Sprintf("s%d", i)), buffer)
			}
			p := build[int](b, nodes...)
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			err := pipeline.RunTo(context.Background(), p, feedN(b.N, buffer), func(int) error {
				n++
				return nil
			})
			if err != nil || n != b.N {
				b.Fatalf("delivered %d of %d values, error %v", n, b.N, err)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/5, "ns/item/stage")
		})
	}
}

// BenchmarkMap measures the cost per value of a bounded Map (a conc pool
// task each) and of an OrderedMap (plus a permission channel each).
func BenchmarkMap(b *testing.B) {
	for _, m := range mappers {
		b.Run(m.name, func(b *testing.B) {
			stage := m.make("work", 4, func(_ context.Context, v int) (int, error) { return v, nil })
			p := build[int](b, pipeline.Link(stage, 0))
			b.ReportAllocs()
			b.ResetTimer()
			if err := p.Run(context.Background(), feedN(b.N, 0)); err != nil {
				b.Fatal(err)
			}
		})
	}
}
