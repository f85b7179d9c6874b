# Renders the WAN table (links by contenders) that side_by_side writes next to its JSON:
#   gnuplot -e "data='bench/results/DATE.wan.tsv'; out='docs/benchmarks-wan.png'" bench/chart_wan.gp
set terminal pngcairo size 960,520 font "sans,10" noenhanced
set output out
set datafile separator "\t"
set title "Over an emulated 1 Gbit/s link: Gbit/s by round-trip time and loss (median of the rounds)"
set ylabel "Gbit/s"
set yrange [0:1.05]
set grid ytics
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set xtics scale 0 nomirror
set key outside right top vertical
columns = system("head -1 '" . data . "' | awk -F'\t' '{print NF}'")
plot for [c=2:columns] data using c:xtic(1) title columnheader(c)
