// ECharts, tree-shaken: only the core, the three chart types the dashboard
// draws, the components they need and the canvas renderer. Imported only by
// the dashboard chunk, so the phone pages never load it. No aria component:
// its generated labels are Chinese-only; each chart has its own aria-label
// and a "show as a table" twin with the same click-through links.
import * as echarts from 'echarts/core'
import { BarChart, LineChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export { echarts }
export type EChartsOption = echarts.EChartsCoreOption
